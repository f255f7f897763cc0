# -WhatIf describes what a state-changing cmdlet would do and changes nothing;
# -Confirm:$false runs it without asking; read-only cmdlets have no -WhatIf.
New-SelfSignedCertificate -DnsName whatif.tech.local -WhatIf
(Get-ChildItem Cert:\LocalMachine\My | Measure-Object).Count
$cert = New-SelfSignedCertificate -DnsName whatif.tech.local -KeyAlgorithm ECDSA_nistP256 -Confirm:$false
(Get-ChildItem Cert:\LocalMachine\My | Measure-Object).Count
$pw = ConvertTo-SecureString -String 'x' -AsPlainText -Force
$cert | Export-PfxCertificate -FilePath whatif.pfx -Password $pw -WhatIf
Test-Path whatif.pfx
Get-ChildItem Cert:\LocalMachine\My -WhatIf
