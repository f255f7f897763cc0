# Habits of admin scripts that PowerShell's reference documents: redirecting an
# expression, foreach over nothing, *> into one file, errors shown as errors, stopping
# on a warning, $PSBoundParameters, .PSObject.Properties, Get-Member, Measure-Object on
# dates, ConvertFrom-Json keys that differ in case, New-TimeSpan.
$report = 'report.txt'
"Certificates expiring soon" > $report
'CN=backup01' >> $report
Get-Content $report
Remove-Item $report

# foreach over $null or an empty result runs no time (PowerShell 3 and later).
$expiring = 1, 2, 3 | Where-Object { $_ -gt 5 }
foreach ($c in $expiring) { "never: $c" }
foreach ($c in $null) { 'never either' }
foreach ($c in @($null)) { 'an array holding $null runs once' }

# *> sends every stream to the one file.
function Test-Streams { [CmdletBinding()] param() Write-Warning 'w'; Write-Error 'e'; Write-Host 'h'; 'o' }
Test-Streams *> streams.txt
Get-Content streams.txt
Remove-Item streams.txt

# An error record in the output reads as an error.
try { throw 'renew failed' } catch { $_ }
Get-Item /no/such/path 2>&1

# -WarningAction Stop ends the command.
try { Write-Warning 'expires today' -WarningAction Stop; 'not reached' } catch { "stopped: $($_.Exception.Message)" }

# $PSBoundParameters holds common parameters and pipeline-bound ones.
function Test-Bound {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)]$Thumbprint, $Store)
    process { ($PSBoundParameters.Keys | Sort-Object) -join ',' }
}
'AB12' | Test-Bound -Store My -Verbose

# Going through an object's properties.
$row = [pscustomobject]@{ Subject = 'CN=backup01'; Days = 30 }
foreach ($p in $row.PSObject.Properties) { "$($p.Name) = $($p.Value) [$($p.TypeNameOfValue)]" }
$row | Get-Member -MemberType NoteProperty | ForEach-Object { "$($_.Name): $($_.Definition)" }

# Maximum and Minimum compare dates.
$dates = [datetime]'2027-01-01', [datetime]'2026-06-01', [datetime]'2028-03-01'
($dates | Measure-Object -Minimum).Minimum.ToString('yyyy-MM-dd')
($dates | Measure-Object -Maximum).Maximum.ToString('yyyy-MM-dd')

# Keys that differ only in case need -AsHashtable.
try { '{"a": 1, "A": 2}' | ConvertFrom-Json -ErrorAction Stop } catch { $_.Exception.Message }
('{"a": 1, "A": 2}' | ConvertFrom-Json -AsHashtable).Count

# Days between dates.
(New-TimeSpan -Start '2026-01-01' -End '2026-12-31').Days
[timespan]::FromHours(36)
