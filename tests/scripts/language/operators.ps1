# Arithmetic, comparison and string operators (about_Operators).
1 + 2 * 3
(1 + 2) * 3
10 / 4
7 % 3
"ab" + 1
"=" * 5
5 -gt 3
"abc" -eq "ABC"
"abc" -ceq "ABC"
"backup01.tech.local" -like "*.tech.local"
"veeam-bk01" -match "bk(\d+)"
$Matches[1]
"2026-11-22" -replace "-", "/"
("a,b,,c" -split ",").Count
(1, 2, 3) -join "+"
1, 2, 3 -contains 2
4 -in 1, 2, 3
(1, 5, 9, 12) -gt 4
"{0}: {1:N2} [{2,5}] [{3,-5}]" -f "total", 1234.5, "r", "l"
-not $true
!(1 -eq 2)
$null -eq $null
[int]"42" + 1
[string]12 + 3
"12" -lt 9
