# Functions with param(), defaults and switches; try/catch/finally; error actions.
function Get-RenewalDate {
    param(
        [Parameter(Mandatory)][datetime]$NotAfter,
        [int]$Days = 30,
        [switch]$Verbose2
    )
    $when = $NotAfter.AddDays(-$Days)
    if ($Verbose2) { "renew $Days days before" }
    return $when.ToString("yyyy-MM-dd")
}
Get-RenewalDate -NotAfter 2027-03-01
Get-RenewalDate 2027-03-01 10 -Verbose2
function Add-Two($a, $b) { $a + $b }
Add-Two 2 3
try {
    throw "certificate expired"
}
catch {
    "caught: $($_.Exception.Message)"
}
finally {
    "cleanup"
}
try {
    Get-Item Cert:\LocalMachine\My\0000 -ErrorAction Stop
    "not reached"
}
catch {
    "stopped: $($_.FullyQualifiedErrorId)"
}
Get-Item Cert:\LocalMachine\My\1111
"after a non-terminating error, `$? is $?"
Write-Error "a reported error" -ErrorAction SilentlyContinue
"errors recorded: $($Error.Count)"
Get-RenewalDate
"still running"
