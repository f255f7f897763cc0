#!/usr/bin/env bash
# Benchmark: certhost (component in wasm) vs the same Rust natively vs the openssl CLI,
# medians of 21 runs (pass --runs N to change), with ratios; then `certhost serve` vs
# nginx (scripts/bench-serve.sh), and the appliance exchange vs a TLS handshake.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p certhost -p certhost-bench
target/release/certhost-bench "$@"
# The HTTPS server against nginx (installs nginx and wrk when missing).
scripts/bench-serve.sh
# The appliance exchange against one TLS handshake (scripts/bench-exchange.sh).
scripts/bench-exchange.sh
# ACME issuance from Pebble against certbot (scripts/bench-acme.sh).
scripts/bench-acme.sh
# The component embedded in Rust, Node and Python against the shell (scripts/bench-embed.sh).
scripts/bench-embed.sh
# The pages at /ui/ with 1,000 certificates against the shell (scripts/bench-ui.sh).
scripts/bench-ui.sh
