# A renewal script: find certificates expiring within 30 days, replace each with a new
# one for the same subject, and report what was done as JSON.
New-SelfSignedCertificate -Subject "CN=expiring.tech.local" -KeyAlgorithm ECDSA_nistP256 -NotAfter (Get-Date).AddDays(10) | Out-Null
New-SelfSignedCertificate -Subject "CN=healthy.tech.local" -KeyAlgorithm ECDSA_nistP256 -NotAfter (Get-Date).AddDays(365) | Out-Null

function Update-ExpiringCertificate {
    param([Parameter(Mandatory)]$Certificate, [int]$ValidDays = 365)
    try {
        $new = New-SelfSignedCertificate -Subject $Certificate.Subject -KeyAlgorithm ECDSA_nistP256 -NotAfter (Get-Date).AddDays($ValidDays) -ErrorAction Stop
        [pscustomobject]@{
            Subject = $Certificate.Subject
            ExpiredInDays = [math]::Round(($Certificate.NotAfter - (Get-Date)).TotalDays)
            Renewed = $true
            NewValidDays = [math]::Round(($new.NotAfter - (Get-Date)).TotalDays)
        }
    }
    catch {
        [pscustomobject]@{ Subject = $Certificate.Subject; Renewed = $false; Error = $_.Exception.Message }
    }
}

$report = foreach ($cert in Get-ChildItem Cert:\LocalMachine\My) {
    if ($cert.NotAfter -lt (Get-Date).AddDays(30)) {
        Update-ExpiringCertificate -Certificate $cert
    }
}
$report | ConvertTo-Json
"certificates in store: $((Get-ChildItem Cert:\LocalMachine\My | Measure-Object).Count)"
