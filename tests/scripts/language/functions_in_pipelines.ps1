# Functions in pipelines as pwsh runs them: each object binds (converted, validated) or is
# skipped with an error; a function's variables stay its own; -WhatIf reaches the
# cmdlets it calls; exit in a script file ends only that script.
function Show-Number { param([Parameter(ValueFromPipeline)][int]$n) process { "n=$n" } }
1, '7', 3 | Show-Number
function Get-Small { param([Parameter(ValueFromPipeline)][ValidateRange(1, 10)]$n) process { "small $n" } }
5, 50, 6 | Get-Small 2>$null
function A { process { $secret = 'A-local'; $_ } }
function B { process { "[$secret]" } }
1 | A | B
$count = 0
1..3 | A | ForEach-Object { $count++ }
$count
New-SelfSignedCertificate -DnsName victim.example | Out-Null
function Remove-Expiring {
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(ValueFromPipeline)]$Cert)
    process { Remove-Item "Cert:\LocalMachine\My\$($Cert.Thumbprint)" }
}
Get-ChildItem Cert:\LocalMachine\My | Where-Object Subject -eq 'CN=victim.example' | Remove-Expiring -WhatIf | Out-Null
@(Get-ChildItem Cert:\LocalMachine\My | Where-Object Subject -eq 'CN=victim.example').Count
try { Get-Item /nope -ErrorAction Stop } catch [System.Management.Automation.ItemNotFoundException] { 'not found, caught' }
function Recurse { Recurse }
try { Recurse } catch { 'call depth: ' + ($_.Exception.Message -like '*call depth overflow*') }
