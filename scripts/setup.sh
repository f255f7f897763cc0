#!/usr/bin/env bash
# Installs what certhost's build and tests need on a fresh Debian machine with rustup:
# the wasm32-wasip2 Rust target, and the independent tools the tests check against
# (openssl, Java keytool, Python cryptography). Safe to run again.
set -euo pipefail

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "setup: adding the wasm32-wasip2 Rust target"
  rustup target add wasm32-wasip2
fi

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v keytool >/dev/null || missing+=(openjdk-17-jre-headless)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if ! python3 -c 'import cryptography' 2>/dev/null; then
  echo "setup: installing Python cryptography"
  python3 -m pip install --quiet cryptography
fi
