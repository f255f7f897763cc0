# Needs a peer appliance: $env:PEER_ADDRESS runs certhost serve, with an API account admin.
# This appliance is backup02; its certificate identifies it to its peers.
Set-ServerIdentity -Fqdn backup02.tech.local -IPAddress 127.0.0.1
Get-BackupServerCertificate | Out-Null

# Exchange: the other appliance's address and an admin password. The password is proven,
# never sent; afterwards each side trusts the other.
$password = ConvertTo-SecureString -String $env:PEER_PASSWORD -AsPlainText -Force
Invoke-CertificateExchange -Address $env:PEER_ADDRESS -UserName admin -Password $password | Out-Null

# View: the appliances this one trusts, with the pin of each key; one call to each.
Get-TrustedPeer | Format-Table Name, Address, Status, PublicKeyHash
Test-TrustedPeer | Format-Table Name, Reachable, KnownAs

# Download this appliance's certificate (to upload on another one) ...
Export-ApplianceCertificate -FilePath backup02.pem | Format-List Name, PublicKeyHash
# ... and upload another appliance's certificate: the manual path.
New-SelfSignedCertificate -DnsName dr01.tech.local | Export-Certificate -FilePath dr01.cer | Out-Null
Add-TrustedPeer -Path dr01.cer -Address 127.0.0.1:1 | Format-Table Name, Address, Status
Add-TrustedPeer -Path backup02.pem -Address 127.0.0.1:9419

# Rotate: every peer is told of the new key, signed by the current one, before the
# switch; a peer that cannot be reached catches up on its next contact.
$next = New-SelfSignedCertificate -DnsName backup02.tech.local, backup02 -CertStoreLocation Cert:\LocalMachine\My
$next | Add-BackupServerCertificate -WhatIf
$next | Add-BackupServerCertificate -Verbose | Out-Null
Test-TrustedPeer -Name backup01.tech.local | Format-Table Name, Reachable, KnownAs

# Delete: the peer's calls are refused from its next request on.
Remove-TrustedPeer -Name dr01.tech.local -WhatIf
Remove-TrustedPeer -Name dr01.tech.local
Get-TrustedPeer | Format-Table Name, Status
