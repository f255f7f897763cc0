"this line would run"
if ($true) {
    "missing the closing brace"
