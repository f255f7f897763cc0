# The common parameters that keep what a command writes (about_CommonParameters):
# -OutVariable, -ErrorVariable, -WarningVariable, -InformationVariable, with `+name`
# to add, and stream records merged into the output with 3>&1, 4>&1, 6>&1.

# -OutVariable holds an ArrayList of the objects, also for one object.
Write-Output 5 -OutVariable ov
"ov: $ov, Count $($ov.Count), $($ov.GetType().FullName)"
1..5 | Where-Object { $_ % 2 } -OutVariable odd | Out-Null
"odd: $odd"
Write-Output 7 -OutVariable +odd | Out-Null
"odd after +: $odd"

# -ErrorVariable keeps errors even when -ErrorAction hides them; $Error has them too.
Get-Item /no/such/file -ErrorVariable missing -ErrorAction SilentlyContinue
"missing: $($missing.Count) error, $($missing[0].GetType().Name)"
"same as `$Error[0]: $($missing[0].Exception.Message -eq $Error[0].Exception.Message)"
Get-Item /no/other -ErrorVariable +missing -ErrorAction 0
"after +: $($missing.Count) errors"
# With no error, the variable is emptied (without +).
Get-Date -ErrorVariable missing | Out-Null
"after a clean run: $($missing.Count)"

# A terminating error is kept too.
try { Get-Item /no/such -ErrorAction Stop -ErrorVariable stopped } catch { 'caught' }
"stopped: $($stopped.Count)"

# -WarningVariable keeps warnings that -WarningAction SilentlyContinue does not show.
Write-Warning 'expires in 12 days' -WarningVariable warnings -WarningAction SilentlyContinue
"warnings: $warnings"
$warnings[0].GetType().Name
$warnings

# -InformationVariable keeps Write-Information records that are not shown.
Write-Information 'renewal scheduled' -InformationVariable info
"info: $info ($($info[0].MessageData))"

# An advanced function: its -ErrorAction and -Verbose reach the commands it runs, and
# its variables hold what nested commands wrote, not what later stages wrote.
function Test-Slot {
    [CmdletBinding()]
    param()
    Write-Verbose 'checking the slot'
    Write-Error 'slot is empty'
    Write-Warning 'slot expires soon'
    'first'
    'second'
}
Test-Slot -ErrorAction SilentlyContinue -ErrorVariable slotErrors -WarningVariable slotWarnings -OutVariable slotOutput -WarningAction SilentlyContinue -Verbose |
    ForEach-Object { Write-Error "later stage: $_" -ErrorAction SilentlyContinue }
"errors: $slotErrors"
"warnings: $slotWarnings"
"output: $slotOutput"

# Records merged into the output show with their stream's prefix.
Write-Warning 'merged' 3>&1
$merged = Write-Warning 'kept' 3>&1
"merged record: $merged ($($merged.GetType().Name))"
Write-Verbose 'verbose merged' -Verbose 4>&1
Write-Information 'information merged' -InformationAction Continue 6>&1 | ForEach-Object { "piped: $_" }

# A `+` without a name is refused, with what to give instead.
Write-Output 1 -OutVariable '+'
"still here"

# An error a function catches itself is not one it wrote.
function Test-Handled { [CmdletBinding()] param() try { throw 'handled' } catch { }; 'done' }
Test-Handled -ErrorVariable handledErrors
"handled errors: $($handledErrors.Count)"
# -OutVariable keeps the output also when it is redirected.
Write-Output 1, 2 -OutVariable redirected > $null
"redirected: $($redirected.Count)"
# The input is read before the variable it is kept in is written.
$items = 1, 2, 3
$items | Write-Output -OutVariable items | Out-Null
"items: $items"
# Errors of a later stage are that stage's, also in its end block.
function Get-Late { end { Write-Error 'late' -ErrorAction SilentlyContinue } }
1 | Write-Output -ErrorVariable early | Get-Late
"early errors: $($early.Count)"
# A warning a script block writes inside Where-Object 3>&1 is Where-Object's output.
1, 2 | Where-Object { Write-Warning "checking $_"; $_ -eq 1 } 3>&1
