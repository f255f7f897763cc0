# Executables run with their arguments as words; their stdout lines are strings in the
# pipeline; $LASTEXITCODE and $? tell how they ended (expected lines are openssl's own).
$lines = openssl x509 -in certs/leaf.crt -noout -subject -issuer
$lines.Count
$lines[0]
$lines | Where-Object { $_ -like 'issuer=*' }
"exit $LASTEXITCODE, ok $?"
openssl x509 -in certs/missing.pem -noout 2>$null
$ok = $?
"exit non-zero: $($LASTEXITCODE -ne 0), ok $ok"
$tool = 'openssl'
$arguments = @('x509', '-in', 'certs/leaf.crt', '-noout', '-subject')
& $tool @arguments
'-----BEGIN CERTIFICATE-----' | openssl x509 -noout 2>&1 | Select-Object -First 1 | ForEach-Object { $_.GetType().Name }
