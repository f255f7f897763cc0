# Generate a self-signed backup server certificate and make it the one in use.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5

# On first use the server already has a default certificate, bound to the REST API.
$default = Get-BackupServerCertificate
"Default: $($default.Subject) [$($default.FriendlyName)]"
netsh http show sslcert ipport=0.0.0.0:9419 | Where-Object { $_ -like '*Certificate Hash*' }

# A new one: RSA 2048, one year, the server's names and address in the SAN.
$new = Generate-BackupServerCertificate -Name 'backup01 2026'
$new | Format-List Subject, FriendlyName, DnsNameList, HasPrivateKey
"Valid for {0} days" -f [int]($new.NotAfter - $new.NotBefore).TotalDays

# Check it, then assign it: the REST API binding follows in the same transaction.
$new | Test-BackupServerCertificate | Format-Table Check, Status
$new | Add-BackupServerCertificate | Out-Null
(Get-BackupServerCertificate).Thumbprint -eq $new.Thumbprint
(Get-SslBinding -Endpoint 0.0.0.0:9419).CertificateHash -eq $new.Thumbprint
