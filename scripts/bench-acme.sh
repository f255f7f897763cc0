#!/usr/bin/env bash
# Benchmark of ACME issuance (docs/acme.md) against certbot, from one Pebble (Debian
# packages pebble and certbot) on loopback, in one run:
# - certhost: from starting `New-AcmeCertificate` (tls-alpn-01 answered by a running
#   certhost serve) to the first TLS handshake that presents the new certificate;
# - certbot: `certbot certonly --standalone` (http-01 on its own listener) for the same
#   name, process start to exit (the certificate on disk; certbot serves nothing, so its
#   figure stops before any handshake).
# Pebble validates at once (PEBBLE_VA_NOSLEEP) and never reuses an authorization.
# Medians of BENCH_RUNS runs (5 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-5}
BIN=${CERTHOST_BIN:-$PWD/target/release/certhost}
[ -n "${CERTHOST_BIN:-}" ] || cargo build --release --locked -p certhost >/dev/null
command -v pebble >/dev/null && command -v certbot >/dev/null || {
  echo "bench-acme: needs the Debian packages pebble and certbot (scripts/setup.sh)" >&2
  exit 1
}

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tls_port=$(free_port); http_port=$(free_port); acme_port=$(free_port)
management=$(free_port); dns_port=$(free_port); dns_management=$(free_port)

# Pebble's HTTPS certificate, from a CA of its own.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
  -out "$work/ca.pem" -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
  -out "$work/tls.csr" -subj "/CN=pebble" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n' >"$work/tls.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/tls.ext" -out "$work/tls.pem" 2>/dev/null
cat >"$work/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$acme_port", "managementListenAddress": "127.0.0.1:$management",
 "certificate": "$work/tls.pem", "privateKey": "$work/key.pem", "httpPort": $http_port,
 "tlsPort": $tls_port, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
pebble-challtestsrv -dns01 "127.0.0.1:$dns_port" -management "127.0.0.1:$dns_management" \
  -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >/dev/null 2>&1 &
pids+=($!)
PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 pebble -config "$work/pebble.json" -strict=false \
  -dnsserver "127.0.0.1:$dns_port" >"$work/pebble.log" 2>&1 &
pids+=($!)

export CERTHOST_HOME="$work/home"
CERTHOST_REST_ENDPOINT="127.0.0.1:$tls_port" "$BIN" -NonInteractive -c '
  Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 127.0.0.1
  Get-BackupServerCertificate | Out-Null'
"$BIN" serve 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 100); do
  curl -sk -o /dev/null "https://127.0.0.1:$tls_port/" && curl -sk -o /dev/null "https://127.0.0.1:$acme_port/dir" && break
  sleep 0.1
done

WORK="$work" BIN="$BIN" RUNS="$RUNS" TLS_PORT="$tls_port" HTTP_PORT="$http_port" \
  DIRECTORY="https://127.0.0.1:$acme_port/dir" python3 - <<'PY'
import hashlib, os, re, socket, ssl, statistics, subprocess, time

work, bin_, runs = os.environ["WORK"], os.environ["BIN"], int(os.environ["RUNS"])
tls_port, http_port, directory = int(os.environ["TLS_PORT"]), os.environ["HTTP_PORT"], os.environ["DIRECTORY"]
name = "backup01.tech.local"

def presented():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", tls_port), timeout=5) as tcp:
        with context.wrap_socket(tcp, server_hostname=name) as tls:
            return hashlib.sha1(tls.getpeercert(binary_form=True)).hexdigest().upper()

def certhost_once():
    start = time.perf_counter()
    done = subprocess.run([bin_, "-NonInteractive", "-c",
        f"(New-AcmeCertificate -Server {directory} -RootCertificatePath {work}/ca.pem "
        f"-DnsName {name} -ChallengePort {tls_port}).Thumbprint"], capture_output=True, text=True)
    returned = time.perf_counter()
    if done.returncode != 0:
        raise SystemExit(f"New-AcmeCertificate failed:\n{done.stdout}{done.stderr}")
    lines = [l for l in done.stdout.split() if re.fullmatch(r"[0-9A-F]{40}", l)]
    if not lines:
        raise SystemExit(f"New-AcmeCertificate printed no thumbprint:\n{done.stdout}{done.stderr}")
    thumbprint, deadline = lines[-1], time.monotonic() + 30
    while presented() != thumbprint:
        if time.monotonic() > deadline:
            raise SystemExit(f"certhost serve did not present {thumbprint} within 30 s")
        time.sleep(0.005)
    return (time.perf_counter() - start) * 1000, (returned - start) * 1000

def certbot_once(i):
    env = dict(os.environ, REQUESTS_CA_BUNDLE=f"{work}/ca.pem")
    start = time.perf_counter()
    done = subprocess.run(["certbot", "certonly", "--standalone", "--non-interactive",
        "--agree-tos", "--register-unsafely-without-email", "--server", directory,
        "--http-01-port", http_port, "--http-01-address", "127.0.0.1", "-d", name,
        "--config-dir", f"{work}/certbot/config", "--work-dir", f"{work}/certbot/work",
        "--logs-dir", f"{work}/certbot/logs", "--cert-name", f"bench{i}"],
        capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"certbot failed:\n{done.stdout}{done.stderr}")
    return (time.perf_counter() - start) * 1000

# The first run of each registers its account; it is left out of the medians.
certhost_once(); certbot_once(0)
certhost, command, certbot = [], [], []
for i in range(runs):
    handshake, returned = certhost_once()
    certhost.append(handshake)
    command.append(returned)
    certbot.append(certbot_once(i + 1))
c, b = statistics.median(certhost), statistics.median(certbot)
print(f"ACME issuance from Pebble, medians of {runs} (accounts registered beforehand):")
print(f"  certhost New-AcmeCertificate to first handshake on the new certificate: {c:7.1f} ms")
print(f"    of which the certhost process, start to exit:                       {statistics.median(command):7.1f} ms")
print(f"  certbot certonly --standalone to the certificate on disk:              {b:7.1f} ms")
print(f"  certhost / certbot: {c / b:.2f}x")
PY
