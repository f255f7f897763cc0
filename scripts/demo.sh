#!/usr/bin/env bash
# Sets up certhost and runs its main job on a fresh machine: a backup server's TLS
# certificate is generated, listed, exported to PFX, imported into another store, and
# checked with openssl. State goes to a fresh demo directory (no server to install).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -p certhost
bin="$PWD/target/release/certhost"
demo="$PWD/target/demo"
rm -rf "$demo" && mkdir -p "$demo" && cd "$demo"
export CERTHOST_HOME="$demo/state"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step "Generate the backup server certificate (RSA 2048, SANs, 1 year)"
"$bin" -NonInteractive -c "New-SelfSignedCertificate -DnsName 'backup01.tech.local', 'backup01' -FriendlyName 'Backup server' -TextExtension '2.5.29.17={text}IPAddress=10.0.0.5'"
thumb=$("$bin" -c 'Get-ChildItem Cert:\LocalMachine\My' | awk 'length($1)==40 {print $1}' | head -1)

step "List the store"
"$bin" -c 'Get-ChildItem Cert:\LocalMachine\My'

step "Export it to PFX (3DES for every Windows, and AES-256) and as PEM"
"$bin" -NonInteractive -Command - <<PS
\$pw = ConvertTo-SecureString -String 'Demo-P@ss1' -Force -AsPlainText
Get-Item Cert:\LocalMachine\My\\$thumb | Export-PfxCertificate -FilePath backup01.pfx -Password \$pw
Get-Item Cert:\LocalMachine\My\\$thumb | Export-PfxCertificate -FilePath backup01-aes.pfx -Password \$pw -CryptoAlgorithmOption AES256_SHA256
Get-Item Cert:\LocalMachine\My\\$thumb | Export-Certificate -FilePath backup01.pem -Type PEM
PS
ls -l backup01*

step "Import the PFX into the WebHosting store"
"$bin" -NonInteractive -c "Import-PfxCertificate -FilePath backup01-aes.pfx -CertStoreLocation Cert:\LocalMachine\WebHosting -Password 'Demo-P@ss1'"

step "A wrong password is reported as such, and changes nothing"
"$bin" -NonInteractive -c "Import-PfxCertificate -FilePath backup01.pfx -Password 'guess'" || true

step "Check the result with openssl"
openssl x509 -in backup01.pem -noout -subject -ext subjectAltName,extendedKeyUsage,basicConstraints
openssl verify -CAfile backup01.pem backup01.pem
PFX_PASSWORD='Demo-P@ss1' openssl pkcs12 -in backup01.pfx -passin env:PFX_PASSWORD -legacy -nokeys -clcerts | openssl x509 -noout -fingerprint -sha1
echo "certhost thumbprint:       $thumb"

step "Serve the REST API and the web pages on loopback, and sign in to /ui/ with curl"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DEMO_PASSWORD='Demo-account-P@ss1'
CERTHOST_REST_ENDPOINT="127.0.0.1:$port" "$bin" -NonInteractive -c 'New-ApiAccount -UserName admin -Password (ConvertTo-SecureString $env:DEMO_PASSWORD -AsPlainText -Force) | Out-Null; Get-BackupServerCertificate | Select-Object Thumbprint, Subject'
"$bin" serve 2>serve.log &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$port/ui/sign-in" && break; sleep 0.1; done
jar="$demo/cookies"
token=$(curl -sk -c "$jar" "https://127.0.0.1:$port/ui/sign-in" | sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p')
# -k: the server's certificate is the self-signed one just made. The password goes to
# curl on its standard input, not in its arguments.
printf '%s' "$DEMO_PASSWORD" | curl -sk -b "$jar" -c "$jar" -o /dev/null \
  -w 'sign-in: HTTP %{http_code}, to %{redirect_url}\n' -H "Origin: https://127.0.0.1:$port" \
  --data-urlencode "token=$token" --data-urlencode "username=admin" --data-urlencode "password@-" \
  "https://127.0.0.1:$port/ui/sign-in"
curl -sk -b "$jar" "https://127.0.0.1:$port/ui/certificates" | grep -o '[0-9]* of [0-9]* certificates'
kill "$serve_pid"
printf '\nWhile `certhost serve` runs, the pages are at https://<server>:9419/ui/ (docs/ui.md).\n'
printf 'Demo state is in %s\n' "$CERTHOST_HOME"
