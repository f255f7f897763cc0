# if/elseif/else, loops, switch, break and continue.
$n = 7
if ($n -lt 5) { "small" } elseif ($n -lt 10) { "medium" } else { "large" }
$total = 0
foreach ($i in 1..10) {
    if ($i % 2) { continue }
    if ($i -gt 8) { break }
    $total += $i
}
"total=$total"
for ($i = 0; $i -lt 3; $i++) { "for $i" }
$w = 3
while ($w -gt 0) { $w-- }
"while done at $w"
$d = 0
do { $d++ } until ($d -ge 2)
"do ran $d times"
foreach ($name in "backup01", "proxy07", "repo12") {
    switch -Wildcard ($name) {
        "backup*" { "$name is a backup server" }
        "proxy*" { "$name is a proxy" }
        default { "$name is something else" }
    }
}
switch (3) { 1 { "one" } 3 { "three" } }
