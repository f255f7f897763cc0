# Set-StrictMode (about_Set-StrictMode's versions) and Get-Command.
Set-StrictMode -Version 1.0
try { $undefined } catch { "1.0: $($_.Exception.Message)" }
"1.0 in a string: [$undefinedInString]"
$row = [pscustomobject]@{ Days = 30 }
"1.0 missing property: [$($row.Weeks)]"

Set-StrictMode -Version 2.0
try { "2.0: [$undefinedInString]" } catch { "2.0 in a string: $($_.Exception.Message)" }
try { $row.Weeks } catch { "2.0 missing property: $($_.Exception.Message)" }
$table = @{ }
"2.0 missing key is fine: [$($table.Weeks)]"
"2.0 Count of a scalar is fine: $($row.Count)"

Set-StrictMode -Version Latest
try { @(1, 2)[2] } catch { "Latest: $($_.Exception.Message)" }
"Latest negative index is fine: $(@(1, 2)[-1])"
function Get-Inner { $neverSet }
try { Get-Inner } catch { "in a function: $($_.Exception.Message)" }
Set-StrictMode -Off
"off: [$undefined]"
Set-StrictMode -Version 9

# Get-Command: several names, verbs and nouns, and programs on PATH.
Get-Command Get-Item, Get-ChildItem | ForEach-Object Name
(Get-Command -Verb Get -Noun PfxData).Name
(Get-Command sh).CommandType
Get-Command Get-Nothing, Get-Date -ErrorAction SilentlyContinue | ForEach-Object Name
