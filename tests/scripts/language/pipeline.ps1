# Pipeline cmdlets over objects.
$servers = @(
    [pscustomobject]@{ Name = "backup01"; Role = "Backup"; DaysLeft = 12 }
    [pscustomobject]@{ Name = "proxy07"; Role = "Proxy"; DaysLeft = 300 }
    [pscustomobject]@{ Name = "repo12"; Role = "Repository"; DaysLeft = 25 }
)
$servers | Where-Object { $_.DaysLeft -lt 30 } | Sort-Object DaysLeft | Select-Object Name, DaysLeft
$servers | Where DaysLeft -gt 100 | ForEach-Object { "$($_.Name) is fine" }
$servers | ForEach-Object Name
($servers | Measure-Object -Property DaysLeft -Sum -Maximum).Sum
$servers | Select-Object -First 1 -ExpandProperty Role
$servers | Select-Object Name, @{ Name = "Weeks"; Expression = { [math]::Floor($_.DaysLeft / 7) } } | ConvertTo-Json
1..10 | Where-Object { $_ % 3 -eq 0 } | Measure-Object | Select-Object -ExpandProperty Count
"b", "a", "c", "a" | Sort-Object -Unique
'{"name":"backup01","ports":[9419,443]}' | ConvertFrom-Json | ForEach-Object { "$($_.name) listens on $($_.ports -join ', ')" }
