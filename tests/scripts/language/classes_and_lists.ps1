# A certificate inventory written the way admins write PowerShell 7: a class, a typed
# list shared with a function, [ref], and $script: state. Outputs are pwsh's.
class Entry : Item {
    [int] $DaysLeft
    Entry([string]$Subject, [int]$DaysLeft) : base($Subject) { $this.DaysLeft = $DaysLeft }
    [bool] IsExpiring() { return $this.DaysLeft -lt 30 }
    [string] ToString() { return "$($this.Subject) ($($this.DaysLeft) days)" }
}
class Item {
    [string] $Subject
    Item([string]$Subject) { $this.Subject = $Subject }
}

function Add-Entry([System.Collections.Generic.List[Entry]]$List, [string]$Subject, [int]$Days) {
    $List.Add([Entry]::new($Subject, $Days))
    $script:added++
}

$script:added = 0
$inventory = [System.Collections.Generic.List[Entry]]::new()
Add-Entry $inventory 'CN=web01' 12
Add-Entry $inventory 'CN=web02' 200
"added: $added, in the list: $($inventory.Count)"
"expiring: $($inventory.Where({ $_.IsExpiring() }))"
$inventory[0] -is [Item]

function Get-Soonest([ref]$Soonest) {
    foreach ($e in $inventory) {
        if ($null -eq $Soonest.Value -or $e.DaysLeft -lt $Soonest.Value.DaysLeft) { $Soonest.Value = $e }
    }
}
$soonest = $null
Get-Soonest ([ref]$soonest)
"soonest: $soonest"

$al = [System.Collections.ArrayList]::new()
$null = $al.Add('a')
$al.Add('b')
[void]$al.Add($al)
"$al"
$inventory | Sort-Object DaysLeft -Descending | Select-Object -First 1 -ExpandProperty Subject
