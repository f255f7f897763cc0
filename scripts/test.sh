#!/usr/bin/env bash
# Runs every test: unit tests of each crate, the sample-file interop suite, and the
# host's integration tests through the real binary (checked with openssl, Python
# cryptography and keytool); then the certificate core's tests again inside wasm.
# Builds the components from source on the way.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "error: the wasm32-wasip2 target is missing; run scripts/setup.sh (or: rustup target add wasm32-wasip2)" >&2
  exit 1
fi
cargo test --release --locked "$@"
# The language against PowerShell's documented examples, per topic (host/tests/conformance.rs).
if [ -f target/conformance-report.txt ]; then
  echo "PowerShell documentation conformance:"
  cat target/conformance-report.txt
fi
# The component embedded in Node (embed/node, built with jco) and in Python (embed/python),
# checked with Node's X509Certificate, Python's cryptography, openssl and certhost.
(cd embed/node && CERTHOST_BIN="$PWD/../../target/release/certhost" npm run --silent build && CERTHOST_BIN="$PWD/../../target/release/certhost" node --test test/)
CERTHOST_BIN="$PWD/target/release/certhost" target/tools/embed-python/bin/python -m pytest -q embed/python/tests
# The pages at /ui/ in Debian's chromium (host/tests/browser), against real servers on
# loopback, checked with openssl s_client; they save the docs' screenshots on the way.
CERTHOST_BIN="$PWD/target/release/certhost" target/tools/browser-tests/bin/python -m pytest -q -p no:cacheprovider host/tests/browser
# The same certificate-core tests compiled to wasm32-wasip2, run under wasmtime.
CARGO_TARGET_WASM32_WASIP2_RUNNER="$PWD/target/release/wasi-test-runner" \
  cargo test --release --locked --target wasm32-wasip2 -p certhost-core -p certhost-primitives "$@"
