# Rotate the backup server certificate: validated first, then one transaction that
# re-points every binding which served the old certificate.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5
$old = Get-BackupServerCertificate
$peer = New-SelfSignedCertificate -DnsName dr01.tech.local
Add-TrustedPeer -Name dr01 -Address 127.0.0.1:1 -Certificate $peer | Out-Null
function Show-State {
    $bound = (Get-SslBinding -Endpoint 0.0.0.0:9419).CertificateHash
    $current = (Get-BackupServerCertificate).Thumbprint
    "9419 serves the old certificate: $($bound -eq $old.Thumbprint); slot matches binding: $($bound -eq $current)"
}
Show-State

# Failed rotations change nothing.
$expired = New-SelfSignedCertificate -DnsName backup01.tech.local, backup01 -NotBefore ([datetime]'2020-01-01') -NotAfter ([datetime]'2021-01-01')
$expired | Add-BackupServerCertificate
Import-Certificate -FilePath certs/leaf.crt | Add-BackupServerCertificate
Add-BackupServerCertificate -CertificatePath certs/TechCompany.crt -PrivateKeyPath certs/TechCompany-encrypted.key -Password (ConvertTo-SecureString -String 'wrong' -Force -AsPlainText)
$ecc = New-SelfSignedCertificate -DnsName backup01.tech.local, backup01 -KeyAlgorithm ECDSA_nistP256
$ecc | Add-BackupServerCertificate
Show-State

# The plan, then the rotation.
$new = Generate-BackupServerCertificate -Name 'rotated'
$new | Add-BackupServerCertificate -WhatIf
Show-State
$new | Add-BackupServerCertificate | Out-Null
Show-State
(Get-SslBinding -Endpoint 0.0.0.0:9419).CertificateHash -eq $new.Thumbprint
