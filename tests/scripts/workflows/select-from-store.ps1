# Pick an eligible certificate from the store by friendly name and assign it.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5
Generate-BackupServerCertificate -Name 'ABC' | Out-Null
Generate-BackupServerCertificate -Name 'DEF' | Out-Null
Import-Certificate -FilePath certs/ca.crt -CertStoreLocation Cert:\LocalMachine\My | Out-Null

# Only certificates with a private key are eligible: the CA certificate is not listed.
Get-BackupServerCertificate -FromStore | Sort-Object FriendlyName | Format-Table FriendlyName, HasPrivateKey

$certificate = Get-BackupServerCertificate -FromStore | Where FriendlyName -eq "ABC"
Add-BackupServerCertificate -Certificate $certificate | Out-Null
(Get-BackupServerCertificate).FriendlyName

# The originals' names work too.
Get-VBRBackupServerCertificate -FromStore | Where FriendlyName -eq "DEF" | Add-VBRBackupServerCertificate | Out-Null
(Get-VBRBackupServerCertificate).FriendlyName
