# Use a certificate issued by your CA: from a PFX, or from a .crt and .key pair.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5
$password = ConvertTo-SecureString -String 'Passw0rd!' -Force -AsPlainText

# A wrong password is reported as such, and nothing is imported.
Import-PfxCertificate -FilePath certs/backup01.pfx -CertStoreLocation Cert:\LocalMachine\My -Password (ConvertTo-SecureString -String 'wrong' -Force -AsPlainText)
"Certificates in My after the wrong password: $((Get-ChildItem Cert:\LocalMachine\My | Measure-Object).Count)"

# The PFX: its certificate with the key goes to My; assign it.
$imported = Import-PfxCertificate -FilePath certs/backup01.pfx -CertStoreLocation Cert:\LocalMachine\My -Password $password
$imported | Format-List Subject, Issuer, FriendlyName, HasPrivateKey
$imported | Add-BackupServerCertificate | Out-Null
(Get-BackupServerCertificate).Subject

# A .crt holding the chain and a separate encrypted .key: the leaf is matched to the
# key, the CA certificate is kept in the CA store.
$keyPassword = ConvertTo-SecureString -String 'KeyPassw0rd' -Force -AsPlainText
Add-BackupServerCertificate -CertificatePath certs/TechCompany.crt -PrivateKeyPath certs/TechCompany-encrypted.key -Password $keyPassword | Format-List Subject, HasPrivateKey
Get-ChildItem Cert:\LocalMachine\CA | Format-List Subject

# A key that does not belong to the certificate is refused.
Add-BackupServerCertificate -CertificatePath certs/ca.crt -PrivateKeyPath certs/TechCompany.key
