# Bind endpoints to certificates: netsh as on Windows, or cmdlets that return objects.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5
$api = New-SelfSignedCertificate -DnsName api.tech.local -FriendlyName 'API'
$hash = $api.Thumbprint

netsh http add sslcert ipport=0.0.0.0:8443 certhash=$hash appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}'
"exit code $LASTEXITCODE"

# SNI binding with the cmdlets; the app id defaults to the REST API's.
Add-SslBinding -Endpoint api.tech.local:443 -Certificate $api | Format-List Endpoint, Sni, AppId, StoreName

# Replace a certificate in place: no moment without a binding.
$next = New-SelfSignedCertificate -DnsName api.tech.local -FriendlyName 'API next'
Set-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $next | Format-Table Endpoint, AppId
(Get-SslBinding -Endpoint 0.0.0.0:8443).CertificateHash -eq $next.Thumbprint

# Errors name the cause.
Add-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $api
Add-SslBinding -Endpoint 0.0.0.0:99999 -Certificate $api
Import-Certificate -FilePath certs/ca.crt | Out-Null
$withoutKey = Get-ChildItem Cert:\LocalMachine\My | Where-Object { -not $_.HasPrivateKey }
Add-SslBinding -Endpoint 0.0.0.0:9443 -CertificateHash $withoutKey.Thumbprint
Remove-Item "Cert:\LocalMachine\My\$($next.Thumbprint)"

Get-SslBinding | Sort-Object Endpoint | Format-Table Endpoint, Sni
Get-SslBinding -Endpoint api.tech.local:443 | Remove-SslBinding
(Get-SslBinding | Measure-Object).Count
