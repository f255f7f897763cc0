# File commands, Get-Help from cmdlet metadata, Get-Command.
"line one", "line two" | Set-Content notes.txt
(Get-Content notes.txt).Count
Get-Content notes.txt | Select-Object -Last 1
Test-Path notes.txt
Test-Path missing.txt
Get-ChildItem Cert:\LocalMachine\My | Out-File empty.txt
(Get-Content empty.txt -Raw).Length
(Get-Help Import-PfxCertificate | Out-String) -match "-FilePath <String>"
Get-Command -Name Export-* | Select-Object -ExpandProperty Name
@{ Days = 30 } | ConvertTo-Json -Compress
Get-Content missing.txt
