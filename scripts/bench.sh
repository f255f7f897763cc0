#!/usr/bin/env bash
# Benchmark: certhost (component in wasm) vs the same Rust natively vs the openssl CLI,
# medians of 21 runs (pass --runs N to change), with ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p certhost -p certhost-bench
exec target/release/certhost-bench "$@"
