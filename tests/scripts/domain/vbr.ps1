# The Veeam documentation examples (domain reference section 2), with Linux paths.
Set-ServerIdentity -Fqdn veeam-bk01.tech.local -IPAddress 10.0.0.5
$password = ConvertTo-SecureString -String 'Passw0rd!' -Force -AsPlainText
Import-PfxCertificate -FilePath certs/backup01.pfx -Password $password | Out-Null
Generate-VBRBackupServerCertificate -Name "ABC" | Out-Null

Get-VBRBackupServerCertificate | Format-List Subject, FriendlyName
Get-VBRBackupServerCertificate -FromStore | Where FriendlyName -eq "ABC" | Format-List Subject, FriendlyName
Get-VBRBackupServerCertificate -Path "certs/AMB_cert.pfx" | Format-List Subject, FriendlyName
$certificate = Get-VBRBackupServerCertificate -FromStore | Where FriendlyName -eq "ABC"
Add-VBRBackupServerCertificate -Certificate $certificate | Format-List FriendlyName
Generate-VBRBackupServerCertificate -Name "veeam-bk01.tech.local" | Format-List Subject, FriendlyName, DnsNameList
Generate-VBRCloudGatewayCertificate -FriendlyName "CC-GW-2024" -Subject "cloudgw.tech.com" -ValidForDays 730 | Format-List Subject, FriendlyName, DnsNameList
$gateway = Get-ChildItem Cert:\LocalMachine\My | Where FriendlyName -eq "CC-GW-2024"
"Gateway valid for $([int]($gateway.NotAfter - $gateway.NotBefore).TotalDays) days"
$gateway | Add-VBRCloudGatewayCertificate | Out-Null
(Get-VBRCloudGatewayCertificate).FriendlyName
