# Add-Member on report rows and values, dictionaries, Measure-Object and private
# variables, as PowerShell's reference documents them.

# A report row gets a note property, then a computed one.
$row = [pscustomobject]@{ Subject = 'CN=backup01'; Days = 30 }
$row | Add-Member -NotePropertyName Owner -NotePropertyValue 'ops'
$row | Add-Member -MemberType ScriptProperty -Name Weeks -Value { [math]::Floor($this.Days / 7) }
$row | Add-Member -MemberType ScriptMethod -Name Describe -Value { "$($this.Subject) in $($this.Days) days" }
$row | Add-Member -MemberType AliasProperty -Name Left -Value Days
$row.Owner
$row.Weeks
$row.Describe()
$row.Left
$row.Days = 14
$row.Weeks
# A taken name is refused unless -Force; nothing changes.
$row | Add-Member -NotePropertyName Owner -NotePropertyValue 'dev'
$row.Owner
$row | Add-Member -NotePropertyName Owner -NotePropertyValue 'dev' -Force
$row.Owner
# Several at once.
$row | Add-Member -NotePropertyMembers @{ Site = 'lab' }
$row.Site

# A string with a member keeps being the string.
$name = 'backup01' | Add-Member -MemberType ScriptProperty -Name Upper -Value { $this.ToUpper() } -PassThru
"$name / $($name.Upper) / $($name.Length) / $($name -eq 'backup01') / $($name.GetType().Name)"

# Dictionaries.
$ordered = [ordered]@{ first = 1; second = 2 }
$ordered[1]
$ordered['first']
$ordered.GetType().Name
$counts = [System.Collections.Generic.Dictionary[string,int]]::new()
$counts.Add('expired', '3')
$counts['expired'].GetType().Name
$counts.ContainsKey('EXPIRED')
$counts.GetType().Name
$json = '{ "Name": "a", "name": "b" }' | ConvertFrom-Json -AsHashtable
$json.Count
$json['name']

# Measure-Object with a script block and the statistics pwsh 7 has.
$stats = 2, 4, 4, 4, 5, 5, 7, 9 | Measure-Object -AllStats
"$($stats.Count) $($stats.Sum) $($stats.Average) $($stats.Minimum) $($stats.Maximum) $([math]::Round($stats.StandardDeviation, 4))"
(1..10 | Measure-Object -Property { $_ % 2 -eq 0 } -Sum).Sum
('one two', 'three' | Measure-Object -Word -Line -Character) | ForEach-Object { "$($_.Lines) $($_.Words) $($_.Characters)" }

# A private variable is not seen from a function it calls.
$private:secret = 'kept here'
function Show-Secret { "function sees: [$secret]" }
Show-Secret
"script sees: [$secret]"
(Get-Variable secret).Options
