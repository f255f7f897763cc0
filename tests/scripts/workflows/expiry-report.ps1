# Report certificates that expire soon, and renew them: new certificate, bindings
# re-pointed, old certificate removed.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5
$soon = New-SelfSignedCertificate -DnsName portal.tech.local -FriendlyName 'portal' -NotAfter (Get-Date).AddDays(10)
New-SelfSignedCertificate -DnsName reports.tech.local -FriendlyName 'reports' -NotAfter (Get-Date).AddDays(200) | Out-Null
Add-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $soon | Out-Null

# The report.
Get-ChildItem Cert:\LocalMachine\My -ExpiringInDays 30 |
    Select-Object FriendlyName, @{ Name = 'DaysLeft'; Expression = { [int]($_.NotAfter - (Get-Date)).TotalDays } } |
    Format-Table

# The renewal.
function Update-ExpiringCertificate {
    param([int]$Days = 30)
    foreach ($cert in Get-ChildItem Cert:\LocalMachine\My -ExpiringInDays $Days) {
        $renewed = New-SelfSignedCertificate -DnsName $cert.DnsNameList -FriendlyName $cert.FriendlyName
        foreach ($binding in Get-SslBinding | Where-Object CertificateHash -eq $cert.Thumbprint) {
            Set-SslBinding -Endpoint $binding.Endpoint -Certificate $renewed | Out-Null
            "re-bound $($binding.Endpoint)"
        }
        $cert | Remove-Item -DeleteKey
        "renewed $($cert.FriendlyName)"
    }
}
Update-ExpiringCertificate -Days 30
(Get-ChildItem Cert:\LocalMachine\My -ExpiringInDays 30 | Measure-Object).Count
(Get-ChildItem Cert:\LocalMachine\My -DnsName portal.tech.local).Thumbprint -eq (Get-SslBinding -Endpoint 0.0.0.0:8443).CertificateHash
