# A certificate from your CA: the key is made and stays on this server; the CA only sees
# the request. The CA's answer (.cer, a PEM chain or .p7b) is paired with the key.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5

# 1. The request: the key waits in Cert:\LocalMachine\REQUEST, backup01.csr goes to the CA.
$requestParams = @{
    Subject      = 'CN=backup01.tech.local, O=Tech Company'
    DnsName      = 'backup01.tech.local', 'backup01'
    IPAddress    = '10.0.0.5'
    FriendlyName = 'Backup server'
    OutFile      = 'backup01.csr'
}
New-CertificateRequest @requestParams | Out-Null
Get-ChildItem Cert:\LocalMachine\REQUEST | Format-Table Subject, HasPrivateKey
openssl req -in backup01.csr -noout -subject

# 2. The CA issues the certificate. Here openssl plays the company CA; yours returns
#    backup01.cer or backup01.p7b.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/O=Tech Company/CN=Tech Issuing CA' -days 3650 -keyout ca.key -out ca.crt 2>$null
openssl x509 -req -in backup01.csr -CA ca.crt -CAkey ca.key -copy_extensions copy -days 365 -out backup01.cer 2>$null
openssl crl2pkcs7 -nocrl -certfile backup01.cer -certfile ca.crt -outform DER -out backup01.p7b

# 3. Import the answer: paired with the waiting key, stored with its chain, and the
#    request is gone.
$issued = Import-Certificate -FilePath backup01.p7b -CertStoreLocation Cert:\LocalMachine\My
$issued | Format-List Subject, Issuer, HasPrivateKey, FriendlyName
(Get-ChildItem Cert:\LocalMachine\REQUEST).Count

# 4. Trust the CA and put the certificate to use: validated, then swapped with its
#    bindings in one transaction.
Import-Certificate -FilePath ca.crt -CertStoreLocation Cert:\LocalMachine\Root | Out-Null
$issued | Add-BackupServerCertificate | Out-Null
(Get-BackupServerCertificate).Thumbprint -eq $issued.Thumbprint

# A certificate that no pending request asked for is imported without a key, as before.
(Import-Certificate -FilePath backup01.cer -CertStoreLocation Cert:\LocalMachine\CA).HasPrivateKey

# 5. The same with Windows' certreq and a request policy file (UTF-16 from Notepad
#    works too); $LASTEXITCODE is set as certreq.exe sets it.
Set-Content -Path request.inf -Value @'
[NewRequest]
Subject = "CN=backup02.tech.local, O=Tech Company"
KeyLength = 2048
KeyUsage = 0xa0
MachineKeySet = TRUE
[Extensions]
2.5.29.17 = "{text}"
_continue_ = "dns=backup02.tech.local&"
'@
certreq -new request.inf backup02.csr
openssl x509 -req -in backup02.csr -CA ca.crt -CAkey ca.key -copy_extensions copy -days 365 -out backup02.cer 2>$null
$installed = certreq -accept backup02.cer
$installed[0]
$installed[2]
"certreq exit code: $LASTEXITCODE"
