# An internal CA: make a root, issue the backup server certificate for the server
# identity, trust the root on a client, and check the chain with openssl.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5

# 1. The root CA: ECDSA P-384 for ten years, allowed to sign certificates and CRLs,
#    with no CA below it (pathlength=0). Its key stays in the store.
$rootParams = @{
    Subject       = 'CN=Tech Root CA, O=Tech Company'
    KeyAlgorithm  = 'ECDSA_nistP384'
    Type          = 'Custom'
    KeyUsage      = 'CertSign', 'CRLSign', 'DigitalSignature'
    TextExtension = '2.5.29.19={text}CA=true&pathlength=0'
    NotAfter      = (Get-Date).AddYears(10)
    FriendlyName  = 'Tech Root CA'
}
$root = New-SelfSignedCertificate @rootParams
$root | Format-List Subject, Issuer, HasPrivateKey

# 2. The backup server certificate, issued by the root for the server identity, and put
#    to use (validated, then swapped with its bindings in one transaction).
$server = New-SelfSignedCertificate -DnsName backup01.tech.local, backup01 -TextExtension '2.5.29.17={text}IPAddress=10.0.0.5' -Signer $root -FriendlyName 'Backup server'
$server | Format-List Subject, Issuer, DnsNameList
$server | Add-BackupServerCertificate | Out-Null
(Get-BackupServerCertificate).Thumbprint -eq $server.Thumbprint

# 3. Trust the root on a client: export it (DER for Windows, PEM for Linux) and import
#    it into the client's Root store. Here the client is this machine.
$root | Export-Certificate -FilePath root.cer | Out-Null
$root | Export-Certificate -FilePath root.pem -Type PEM | Out-Null
Import-Certificate -FilePath root.cer -CertStoreLocation Cert:\LocalMachine\Root | Format-Table Subject
Test-Certificate -Cert $server -Policy SSL -DNSName backup01.tech.local

# 4. Check with openssl: the chain verifies against the root alone.
$server | Export-Certificate -FilePath backup01.pem -Type PEM | Out-Null
openssl verify -CAfile root.pem backup01.pem

# A certificate that is not a CA cannot sign; nothing is stored.
$count = (Get-ChildItem Cert:\LocalMachine\My).Count
New-SelfSignedCertificate -DnsName web01.tech.local -Signer $server
(Get-ChildItem Cert:\LocalMachine\My).Count -eq $count
