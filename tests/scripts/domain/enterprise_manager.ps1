# The Enterprise Manager's two certificates: defaults, an upload of a PEM bundle with a
# chain (split, not rejected), a PEM with two keys (refused), a generated one.
Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5
Get-EnterpriseManagerCertificate | Format-Table FriendlyName, Subject

# One key, its certificate and the CA: the leaf is installed, the CA kept in the CA store.
(Get-Content certs/TechCompany.key -Raw) + (Get-Content certs/TechCompany.crt -Raw) | Set-Content bundle.pem
Set-EnterpriseManagerCertificate -Role WebUI -Path bundle.pem | Format-List Subject, Issuer, HasPrivateKey
Get-ChildItem Cert:\LocalMachine\CA | Format-Table Subject

# Two keys in one PEM are refused, and nothing changes.
(Get-Content certs/TechCompany.key -Raw) + (Get-Content certs/TechCompany.key -Raw) + (Get-Content certs/leaf.crt -Raw) | Set-Content two-keys.pem
Set-EnterpriseManagerCertificate -Role Server -Path two-keys.pem
(Get-EnterpriseManagerCertificate -Role Server).FriendlyName

# A new self-signed Server certificate; an ECC one is refused for Server but fine for WebUI.
Set-EnterpriseManagerCertificate -Role Server -Generate -FriendlyName 'EM server 2026' | Format-List FriendlyName
$ecc = New-SelfSignedCertificate -DnsName backup01.tech.local, backup01 -KeyAlgorithm ECDSA_nistP256
$ecc | Set-EnterpriseManagerCertificate -Role Server
$ecc | Set-EnterpriseManagerCertificate -Role WebUI | Format-List KeyAlgorithm
Get-EnterpriseManagerCertificate | Format-Table FriendlyName, KeyAlgorithm
