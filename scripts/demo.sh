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
printf '\nDemo state is in %s\n' "$CERTHOST_HOME"
