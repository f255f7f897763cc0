#!/usr/bin/env bash
# Makes the screenshots in docs/ui/ again: runs the pages' browser tests
# (host/tests/browser) with their screenshots saved there instead of target/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/certhost ] || cargo build --release --locked -p certhost
[ -x target/tools/browser-tests/bin/python ] || scripts/setup.sh
CERTHOST_BIN="$PWD/target/release/certhost" CERTHOST_UI_SCREENSHOTS="$PWD/docs/ui" \
  target/tools/browser-tests/bin/python -m pytest -q -p no:cacheprovider host/tests/browser
