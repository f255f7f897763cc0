# A password written out in the command line stays in history files, logs and process
# listings: certhost warns and says how to read it instead. A SecureString from a
# variable (Read-Host -AsSecureString, Get-Credential, ConvertTo-SecureString) is quiet,
# and -WarningAction SilentlyContinue silences the warning.
$cert = New-SelfSignedCertificate -DnsName plain.tech.local -KeyAlgorithm ECDSA_nistP256
$cert | Export-PfxCertificate -FilePath plain.pfx -Password 'P@ssw0rd!' | Out-Null
$pw = ConvertTo-SecureString -String 'P@ssw0rd!' -AsPlainText -Force
$cert | Export-PfxCertificate -FilePath quiet.pfx -Password $pw | Out-Null
$cert | Export-PfxCertificate -FilePath silent.pfx -Password 'P@ssw0rd!' -WarningAction SilentlyContinue | Out-Null
Test-Path plain.pfx
Test-Path quiet.pfx
Test-Path silent.pfx
