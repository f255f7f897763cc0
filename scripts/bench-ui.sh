#!/usr/bin/env bash
# The Certificates page at /ui/ with 1,000 certificates in the store: the server's own
# time for the page (its Server-Timing header) and the whole request on loopback, medians
# of 21 after one warm-up request, the page's weight; against the shell listing the same
# certificates (Get-ChildItem Cert:\LocalMachine\My | Format-Table) in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CERTHOST_BIN:-$PWD/target/release/certhost}"
[ -x "$bin" ] || cargo build --release --locked -p certhost
python="target/tools/browser-tests/bin/python"
[ -x "$python" ] || scripts/setup.sh
work="$(mktemp -d)"
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work" CERTHOST_HOME="$work/state" UI_PASSWORD="bench pass phrase 1"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "bench-ui: storing 1,000 certificates (999 ECDSA P-256 expiring over 120 days, and the backup server's)"
CERTHOST_REST_ENDPOINT="127.0.0.1:$port" "$bin" -NonInteractive -Command '
  Set-ServerIdentity -Fqdn bench.test -IPAddress 127.0.0.1
  New-ApiAccount -UserName admin -Password (ConvertTo-SecureString $env:UI_PASSWORD -AsPlainText -Force) | Out-Null
  Get-BackupServerCertificate | Out-Null
  1..999 | ForEach-Object {
    New-SelfSignedCertificate -DnsName "host$_.bench.test" -KeyAlgorithm ECDSA_nistP256 -NotAfter (Get-Date).AddDays(1 + $_ % 120) -CertStoreLocation Cert:\LocalMachine\My
  } | Out-Null'
"$bin" serve 2>"$work/serve.log" &
serve_pid=$!
"$python" - "$port" "$bin" <<'PY'
import os, re, statistics, subprocess, sys, time
import requests, urllib3
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
port, binary = sys.argv[1], sys.argv[2]
base = f"https://127.0.0.1:{port}"
s = requests.Session()
s.verify = False
s.trust_env = False  # a CA bundle named in the environment would override verify
for _ in range(200):
    try:
        s.get(base + "/ui/sign-in", timeout=1)
        break
    except requests.ConnectionError:
        time.sleep(0.05)
token = re.search(r'name="token" value="([^"]+)"', s.get(base + "/ui/sign-in").text).group(1)
s.post(base + "/ui/sign-in", data={"token": token, "username": "admin", "password": os.environ["UI_PASSWORD"]})
first = s.get(base + "/ui/certificates")
assert first.status_code == 200 and "1000 of 1000 certificates" in first.text, first.text[:500]
assert "unreadable" not in first.text and first.text.count("host") >= 999 and first.text.count("expiring") > 100
cold = float(first.headers["server-timing"].split("dur=")[1])
server, whole = [], []
for _ in range(21):
    started = time.perf_counter()
    r = s.get(base + "/ui/certificates")
    whole.append((time.perf_counter() - started) * 1000)
    server.append(float(r.headers["server-timing"].split("dur=")[1]))
weight = len(r.content)
assets = sum(len(s.get(base + p).content) for p in ["/ui/assets/style.css", "/ui/assets/app.js"])
filtered = s.get(base + "/ui/certificates?q=host5")
shell = []
for _ in range(5):
    started = time.perf_counter()
    subprocess.run([binary, "-NonInteractive", "-Command",
                    r"Get-ChildItem Cert:\LocalMachine\My | Format-Table Subject, Thumbprint, NotAfter"],
                   check=True, capture_output=True)
    shell.append((time.perf_counter() - started) * 1000)
m_server, m_whole, m_shell = (statistics.median(x) for x in (server, whole, shell))
print("Certificates page, 1,000 certificates (medians of 21; shell: median of 5)")
print(f"  first request after start (component reads each certificate): {cold:9.1f} ms at the server")
print(f"  /ui/certificates at the server (Server-Timing):                {m_server:9.1f} ms   {m_server / m_shell:5.2f}x shell")
print(f"  /ui/certificates whole request on loopback (requests):         {m_whole:9.1f} ms   {m_whole / m_shell:5.2f}x shell")
print(f"  shell: Get-ChildItem Cert:\\LocalMachine\\My | Format-Table:     {m_shell:9.1f} ms    1.00x")
print(f"  page weight: {weight:,} bytes of HTML (+ {assets:,} bytes of CSS and JavaScript, cached); filtered to 'host5': {len(filtered.content):,} bytes")
PY
