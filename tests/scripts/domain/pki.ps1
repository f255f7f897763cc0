# The Windows pki module examples (domain reference section 2).
$params = @{ DnsName = 'www.fabrikam.com', 'www.contoso.com'; CertStoreLocation = 'Cert:\LocalMachine\My' }
$cert = New-SelfSignedCertificate @params
$cert | Format-List Subject, DnsNameList, EnhancedKeyUsageList
$mypwd = ConvertTo-SecureString -String '1234' -Force -AsPlainText
Get-ChildItem -Path "Cert:\LocalMachine\My\$($cert.Thumbprint)" | Export-PfxCertificate -FilePath mypfx.pfx -Password $mypwd | Out-Null
Import-PfxCertificate -FilePath mypfx.pfx -CertStoreLocation Cert:\LocalMachine\WebHosting -Password $mypwd | Format-List Subject, PSParentPath

New-SelfSignedCertificate -DnsName old.fabrikam.com -CertStoreLocation Cert:\LocalMachine\WebHosting -NotBefore (Get-Date).AddDays(-60) -NotAfter (Get-Date).AddDays(-1) | Out-Null
$expired = Get-ChildItem Cert:\LocalMachine\WebHosting -ExpiringInDays 0 ; $expired | Remove-Item -DeleteKey
Get-ChildItem Cert:\LocalMachine\WebHosting | Format-List Subject

Get-ChildItem -Path Cert:\LocalMachine\My | Test-Certificate -Policy SSL -DNSName 'dns=www.contoso.com' -AllowUntrustedRoot
Get-ChildItem -Path Cert:\LocalMachine\My | Test-Certificate -Policy SSL -DNSName 'dns=contoso.com' -AllowUntrustedRoot
Get-ChildItem -Path Cert:\LocalMachine\My | Test-Certificate

# A CA-issued certificate is trusted once its root is in the Root store.
Import-Certificate -FilePath certs/ca.crt -CertStoreLocation Cert:\LocalMachine\Root | Out-Null
$issued = Import-Certificate -FilePath certs/leaf.crt -CertStoreLocation Cert:\LocalMachine\CA
$issued | Test-Certificate -Policy SSL -DNSName backup01.tech.local
Get-ChildItem Cert:\LocalMachine\My -SSLServerAuthentication -DnsName *.contoso.com | Format-Table Subject
Set-Location Cert:\LocalMachine\WebHosting
Get-Location
Get-ChildItem | Format-Table Subject
