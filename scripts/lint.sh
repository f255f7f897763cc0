#!/usr/bin/env bash
# Formatting and clippy (warnings are errors) for the native crates and the wasm crates.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --release --locked --all-targets -- -D warnings
cargo clippy --release --locked -p certhost-guest -p certhost-runaway -p certhost-hostile --target wasm32-wasip2 -- -D warnings
