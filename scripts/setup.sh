#!/usr/bin/env bash
# Installs what certhost's build and tests need on a fresh Debian machine with rustup:
# the wasm32-wasip2 Rust target, and the independent tools the tests check against
# (openssl, curl, Java keytool, Python cryptography and requests, Pebble as the ACME
# server and certbot as the ACME client compared with), and the Python package that
# embeds the component with its test tools, and Node with the Node embedding's npm
# packages. Safe to run again.
set -euo pipefail

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "setup: adding the wasm32-wasip2 Rust target"
  rustup target add wasm32-wasip2
fi

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v keytool >/dev/null || missing+=(openjdk-17-jre-headless)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
command -v pebble >/dev/null || missing+=(pebble)
command -v certbot >/dev/null || missing+=(certbot)
# The pages' browser tests (host/tests/browser): Debian's Chromium and its driver.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

for module in cryptography requests; do
  if ! python3 -c "import $module" 2>/dev/null; then
    echo "setup: installing Python $module"
    python3 -m pip install --quiet "$module"
  fi
done

# sslyze grades `certhost serve` against Mozilla's TLS profiles (host/tests/tls_grade.rs),
# in a virtual environment of its own so its pinned dependencies meet nothing else.
SSLYZE_VERSION=6.3.1
sslyze_venv="$(dirname "$0")/../target/tools/sslyze"
if ! "$sslyze_venv/bin/sslyze" --help 2>/dev/null | grep -q "SSLyze version $SSLYZE_VERSION"; then
  echo "setup: installing sslyze $SSLYZE_VERSION in target/tools/sslyze"
  python3 -c "import venv" 2>/dev/null || {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
  }
  rm -rf "$sslyze_venv"
  python3 -m venv "$sslyze_venv"
  "$sslyze_venv/bin/pip" install --quiet "sslyze==$SSLYZE_VERSION"
fi

# The Python embedding (embed/python) and its tests, in a virtual environment of their
# own: the wasmtime package runs the saved component; pytest and cryptography check it.
embed_venv="$(dirname "$0")/../target/tools/embed-python"
if ! "$embed_venv/bin/python" -c "import wasmtime, pytest, cryptography, certhost_embed" 2>/dev/null; then
  echo "setup: installing the Python embedding (wasmtime, pytest, cryptography) in target/tools/embed-python"
  rm -rf "$embed_venv"
  python3 -m venv "$embed_venv"
  "$embed_venv/bin/pip" install --quiet -e "$(dirname "$0")/../embed/python[test]"
fi

# The pages' browser tests (host/tests/browser): selenium drives the system's chromium
# through the system's chromedriver (no driver is downloaded); requests sends the
# forms a browser would not (no CSRF token, another origin).
browser_venv="$(dirname "$0")/../target/tools/browser-tests"
if ! "$browser_venv/bin/python" -c "import selenium, pytest, requests" 2>/dev/null; then
  echo "setup: installing selenium, pytest and requests in target/tools/browser-tests"
  rm -rf "$browser_venv"
  python3 -m venv "$browser_venv"
  "$browser_venv/bin/pip" install --quiet "selenium==4.50.0" "pytest==8.4.2" "requests==2.32.5"
fi

# The Node embedding (embed/node): jco and preview2-shim from the npm registry, at the
# versions package-lock.json pins.
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs and npm"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
if [ ! -d "$(dirname "$0")/../embed/node/node_modules/@bytecodealliance/jco" ]; then
  echo "setup: installing the Node embedding's packages (npm ci in embed/node)"
  (cd "$(dirname "$0")/../embed/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
