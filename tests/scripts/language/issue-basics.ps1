# The four lines PowerShell gets right and certhost once did not (outputs are pwsh's).
$x = @(1); $x.Count
$a = @(); $a += 1; $a += 2; "$a"
$null = New-SelfSignedCertificate -DnsName one.example -CertStoreLocation Cert:\LocalMachine\My
(Get-ChildItem Cert:\LocalMachine\My).Count
# An expiry check over one matching certificate counts it.
if ((Get-ChildItem Cert:\LocalMachine\My | Where-Object { $_.Subject -eq 'CN=one.example' }).Count -gt 0) { 'expiring: 1' }
