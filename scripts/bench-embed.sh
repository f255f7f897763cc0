#!/usr/bin/env bash
# The certificate component embedded in Rust, Node and Python against the certhost shell,
# in one run: load time, and the median of N generate-self-signed (ECDSA P-256) and
# import-pfx (AES-256, 2,048 iterations) calls. The shell's figures are whole
# `certhost` processes (which also store the result); its bare start is shown beside them.
# Needs scripts/setup.sh (the Node and Python packages). RUNS=21 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-21}"
cargo build --release --locked -p certhost --examples >/dev/null
work="target/bench-embed"
rm -rf "$work" && mkdir -p "$work"
target/release/certhost component save "$work/component" >/dev/null
export PFX_PASSWORD="Test-P@ss1"
fixtures=tests/fixtures/tech-local
openssl pkcs12 -export -in "$fixtures/leaf.crt" -inkey "$fixtures/TechCompany.key" \
  -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -iter 2048 \
  -passout env:PFX_PASSWORD -out "$work/bench.pfx"

rust=$(target/release/examples/embed_timing "$work/component" "$work/bench.pfx" "$runs")
(cd embed/node && npm run --silent build >/dev/null)
node=$(cd embed/node && node bench.mjs "../../$work/bench.pfx" "$runs")
python=$(target/tools/embed-python/bin/python embed/python/bench.py "$work/component" "$work/bench.pfx" "$runs")

# The shell: whole processes, the script on stdin (the password is never an argument).
export CERTHOST_HOME="$PWD/$work/home"
shell_median() {
  local script="$1" samples=()
  printf '%s' "$script" | target/release/certhost -NonInteractive -Command - >/dev/null # warm-up
  for _ in $(seq "$runs"); do
    local started ended
    started=$(date +%s%N)
    printf '%s' "$script" | target/release/certhost -NonInteractive -Command - >/dev/null
    ended=$(date +%s%N)
    samples+=("$(( (ended - started) / 1000 ))")
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk -v n="$runs" 'NR == int(n / 2) + 1 { printf "%.2f", $1 / 1000 }'
}
shell_start=$(shell_median '$null')
shell_generate=$(shell_median 'New-SelfSignedCertificate -DnsName backup01.tech.local -KeyAlgorithm ECDSA_nistP256 -CertStoreLocation Cert:\CurrentUser\My | Out-Null')
shell_import=$(shell_median "Import-PfxCertificate -FilePath '$PWD/$work/bench.pfx' -Password (ConvertTo-SecureString -String '$PFX_PASSWORD' -AsPlainText -Force) -CertStoreLocation Cert:\\CurrentUser\\My | Out-Null")

python3 - "$rust" "$node" "$python" "$shell_start" "$shell_generate" "$shell_import" "$runs" <<'PY'
import json, sys
rust, node, python = (json.loads(a) for a in sys.argv[1:4])
start, generate, imported, runs = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
print(f"Embedding: medians of {runs} calls (ms); ratio = host / certhost shell process")
print(f"| host | load | generateSelfSigned P-256 | ratio | importPfx AES-256 2,048 it. | ratio |")
print(f"|---|---:|---:|---:|---:|---:|")
rows = [
    ("Rust (certhost::Component, wasmtime)", f"{rust['loadColdMs']} cold / {rust['loadWarmMs']} cached", rust),
    ("Node (jco)", f"{node['loadMs']}", node),
    ("Python (wasmtime-py)", f"{python['loadMs']}", python),
]
for name, load, r in rows:
    print(f"| {name} | {load} | {r['generateP256Ms']} | {r['generateP256Ms'] / generate:.2f}× | {r['importPfxMs']} | {r['importPfxMs'] / imported:.2f}× |")
print(f"| certhost shell (whole process; bare start {start}) | | {generate} | 1.00× | {imported} | 1.00× |")
PY
