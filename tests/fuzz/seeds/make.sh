#!/usr/bin/env bash
# Extra seeds for the fuzz targets (docs/fuzzing.md), made once with OpenSSL 3.0 and
# kept: forms the fixtures do not have. Test keys only; they protect nothing.
# Inputs of the `pfx` and `keys` targets start with a password line.
set -euo pipefail
cd "$(dirname "$0")"
fx=../../fixtures
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p keys inspect pfx pem
pw() { printf '%s\n' "$1" | cat - "$2"; }

# keys: PKCS#1 and SEC1 DER, P-384, encrypted PKCS#8 (PBES2 and PKCS#12 3DES) with
# few iterations so the fuzz targets can open them.
openssl rsa -in $fx/pfx-samples/openssl/rsa2048.key -traditional -outform DER -out $t/rsa.pkcs1.der
openssl ec -in $fx/pfx-samples/openssl/ec-p256.key -outform DER -out $t/ec.sec1.der
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $t/p384.pem
openssl ec -in $t/p384.pem -out $t/p384.sec1.pem
openssl pkcs8 -topk8 -in $fx/pfx-samples/openssl/ec-p256.key -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 1000 -passout pass:pw -outform DER -out $t/ec.pbes2.der
openssl pkcs8 -topk8 -in $t/p384.pem -v1 PBE-SHA1-3DES -iter 1000 -passout pass:pw -outform DER -out $t/p384.3des.der
openssl rsa -in $fx/pfx-samples/openssl/rsa2048.key -traditional -out $t/rsa.pkcs1.pem
pw "" $t/rsa.pkcs1.der > keys/rsa-pkcs1.der.bin
pw "" $t/ec.sec1.der > keys/ec-sec1.der.bin
pw "" $t/p384.pem > keys/p384-pkcs8.pem.bin
pw "" $t/p384.sec1.pem > keys/p384-sec1.pem.bin
pw pw $t/ec.pbes2.der > keys/ec-pbes2-1000.der.bin
pw pw $t/p384.3des.der > keys/p384-3des-1000.der.bin
pw "" $t/rsa.pkcs1.pem > keys/rsa-pkcs1.pem.bin

# inspect: a P-384 certificate with many extensions, a v1 certificate, an Ed25519 one.
cat > $t/ext.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
C = PL
O = Fuzz Seeds
OU = Ünïcode Unit
CN = seeds.example
[ext]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, clientAuth, codeSigning, 1.2.3.4.5
subjectAltName = DNS:seeds.example, DNS:*.seeds.example, IP:10.0.0.5, IP:::1, email:a@seeds.example, URI:https://seeds.example/
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.23.140.1.2.1
nameConstraints = permitted;DNS:.example
crlDistributionPoints = URI:http://seeds.example/crl
authorityInfoAccess = OCSP;URI:http://seeds.example/ocsp
CNF
openssl req -x509 -new -key $t/p384.pem -config $t/ext.cnf -extensions ext -days 36500 -set_serial 0x00ff0102 -utf8 -outform DER -out inspect/p384-extensions.der
openssl x509 -x509toreq -in $fx/tech-local/leaf.crt -signkey $fx/tech-local/TechCompany.key -out $t/leaf.csr 2>/dev/null
openssl x509 -req -in $t/leaf.csr -signkey $fx/tech-local/TechCompany.key -days 36500 -outform DER -out inspect/v1.der
openssl genpkey -algorithm ED25519 -out $t/ed.pem
openssl req -x509 -new -key $t/ed.pem -subj /CN=ed25519.example -days 36500 -outform DER -out inspect/ed25519.der

# pfx: leaf + CA + key without encryption, friendly names, MAC with 1 iteration; a
# P-384 key under PBES2 with 1000 iterations; a PFX without a MAC.
openssl pkcs12 -export -in $fx/tech-local/leaf.crt -inkey $fx/tech-local/TechCompany.key -certfile $fx/tech-local/ca.crt -name leaf -caname ca -keypbe NONE -certpbe NONE -iter 1 -maciter -macalg sha1 -passout pass:seed -out $t/chain.p12 2>/dev/null || \
  openssl pkcs12 -export -in $fx/tech-local/leaf.crt -inkey $fx/tech-local/TechCompany.key -certfile $fx/tech-local/ca.crt -name leaf -caname ca -keypbe NONE -certpbe NONE -macalg sha1 -passout pass:seed -out $t/chain.p12
openssl req -x509 -new -key $t/p384.pem -subj /CN=p384.example -days 36500 -out $t/p384.crt
openssl pkcs12 -export -in $t/p384.crt -inkey $t/p384.pem -iter 1000 -passout pass:seed -out $t/p384.p12
openssl pkcs12 -export -in $t/p384.crt -inkey $t/p384.pem -iter 1000 -nomac -passout pass:seed -out $t/nomac.p12
pw seed $t/chain.p12 > pfx/chain-noenc.bin
pw seed $t/p384.p12 > pfx/p384-pbes2-1000.bin
pw seed $t/nomac.p12 > pfx/p384-nomac.bin

# pem: a bundle with text around it and CRLF line ends, a legacy encrypted key.
{ echo "Subject: leaf"; cat $fx/tech-local/leaf.crt; echo "Subject: CA"; cat $fx/tech-local/ca.crt; } | sed 's/$/\r/' > pem/bundle-crlf.pem
openssl rsa -in $fx/pfx-samples/openssl/rsa2048.key -traditional -aes128 -passout pass:pw -out pem/legacy-encrypted.pem 2>/dev/null
