#!/usr/bin/env bash
# Benchmark of the appliance exchange (docs/appliance-trust.md) on loopback, in one run:
# `Invoke-CertificateExchange` as a whole certhost process, against one TLS handshake
# with the same server as an `openssl s_client` process, one mutual-TLS peer call
# (`Test-TrustedPeer -Quiet`) and a certhost process that does nothing (`certhost -c 1`);
# then in process: one TLS 1.3 handshake (Python ssl) against the exchange and the peer
# call less the idle process. (`openssl s_client` lingers ~50 ms after its handshake for
# session tickets, so the process rows favour certhost.)
# Medians of BENCH_RUNS runs (15 by default). The password reaches certhost through the
# environment, never through its arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-15}
BIN=${CERTHOST_BIN:-$PWD/target/release/certhost}
[ -n "${CERTHOST_BIN:-}" ] || cargo build --release --locked -p certhost >/dev/null

work=$(mktemp -d)
cleanup() {
  [ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PEER_PASSWORD="Exchange-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"

# B answers: its own home, an API account, a backup server certificate, certhost serve.
CERTHOST_HOME="$work/b" CERTHOST_REST_ENDPOINT="127.0.0.1:$port" "$BIN" -NonInteractive -c '
  Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 127.0.0.1
  $p = ConvertTo-SecureString -String $env:PEER_PASSWORD -AsPlainText -Force
  New-ApiAccount -UserName admin -Password $p | Out-Null
  Get-BackupServerCertificate | Out-Null'
CERTHOST_HOME="$work/b" CERTHOST_REST_ENDPOINT="127.0.0.1:$port" "$BIN" serve 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.1; done
# A calls: its own home and certificate.
CERTHOST_HOME="$work/a" "$BIN" -NonInteractive -c '
  Set-ServerIdentity -Fqdn backup02.tech.local -IPAddress 127.0.0.1
  Get-BackupServerCertificate | Out-Null'

CERTHOST_HOME="$work/a" BIN="$BIN" PORT="$port" RUNS="$RUNS" python3 - <<'PY'
import os, statistics, subprocess, time

bin_, port, runs = os.environ["BIN"], os.environ["PORT"], int(os.environ["RUNS"])
address = f"127.0.0.1:{port}"

def median_ms(argv, stdin=None, check=None):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0 or (check and check not in done.stdout + done.stderr):
            raise SystemExit(f"benchmark step failed: {argv[:3]}...\n{done.stdout}{done.stderr}")
    return statistics.median(times)

exchange = median_ms([bin_, "-NonInteractive", "-c",
    "$p = ConvertTo-SecureString -String $env:PEER_PASSWORD -AsPlainText -Force; "
    f"Invoke-CertificateExchange -Address {address} -UserName admin -Password $p | Out-Null"])
call = median_ms([bin_, "-NonInteractive", "-c", "Test-TrustedPeer -Quiet"], check="True")
handshake = median_ms(["openssl", "s_client", "-connect", address, "-tls1_3"], stdin="",
                      check="TLSv1.3")
nothing = median_ms([bin_, "-NonInteractive", "-c", "1"])

def handshake_in_process_ms():
    import socket, ssl
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    times = []
    for _ in range(max(runs, 51)):
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", int(port))) as raw:
            with context.wrap_socket(raw) as tls:
                assert tls.version() == "TLSv1.3"
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

in_process = handshake_in_process_ms()

print(f"\n{'appliance exchange on loopback, processes, median of ' + str(runs) + ' (ms)':<62} {'ms':>8} {'vs handshake':>13}")
print("-" * 85)
for label, value in [
    ("Invoke-CertificateExchange (certhost process)", exchange),
    ("Test-TrustedPeer -Quiet: one mutual-TLS call (process)", call),
    ("openssl s_client: one TLS 1.3 handshake (process)", handshake),
    ("certhost -c 1: a process that does nothing", nothing),
]:
    print(f"{label:<62} {value:>8.1f} {value / handshake:>12.2f}x")
print(f"\n{'in process (ms)':<62} {'ms':>8} {'vs handshake':>13}")
print("-" * 85)
print(f"{'one TLS 1.3 handshake (Python ssl, connect included)':<62} {in_process:>8.1f} {1:>12.2f}x")
print(f"{'the exchange: its process less the idle process':<62} {exchange - nothing:>8.1f} "
      f"{(exchange - nothing) / in_process:>12.2f}x")
print(f"{'one mutual-TLS peer call: its process less the idle process':<62} {call - nothing:>8.1f} "
      f"{(call - nothing) / in_process:>12.2f}x")
PY
