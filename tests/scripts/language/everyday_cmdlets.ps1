# Cmdlets admins reach for in certificate scripts (outputs as pwsh prints them).
'CN=web01, O=Tech', 'CN=Root CA', 'CN=web02' | Select-String -Pattern '^cn=web'
'one', 'two' | Select-String -Pattern 'three' -Quiet
$o = New-Object -TypeName PSObject -Property @{ Name = 'web01' }
$o.Name
$secure = ConvertTo-SecureString 'Pfx-Pa55' -AsPlainText -Force
$credential = [pscredential]::new('backup-admin', $secure)
"$($credential.UserName) $($credential.Password)"
# -Credential where a cmdlet takes -Password: its password protects the PFX ...
New-SelfSignedCertificate -DnsName cred.tech.local | Export-PfxCertificate -FilePath cred.pfx -Credential $credential | Out-Null
# ... which openssl opens with it (the password reaches openssl through the environment).
$env:PFX_PASSWORD = 'Pfx-Pa55'
openssl pkcs12 -in cred.pfx -passin env:PFX_PASSWORD -nokeys -noout
"openssl exit: $LASTEXITCODE"
$PSVersionTable.PSVersion
Write-Information 'not shown by default'
Write-Information 'shown' -InformationAction Continue
Write-Debug 'debug line' -Debug
# Parsing openssl's output: a match's groups, by number and by name.
$line = 'notAfter=Dec  2 10:00:00 2027 GMT'
($line | Select-String 'notAfter=(?<date>.*)').Matches[0].Groups['date'].Value
($line | Select-String '(\d{4}) GMT').Matches[0].Groups[1].Value
