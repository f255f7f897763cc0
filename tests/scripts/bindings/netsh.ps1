# netsh http sslcert as scripts run it: layout, messages and error codes of Windows
# (domain reference §3), each cryptic error followed by a line naming the real cause.
$cert = New-SelfSignedCertificate -DnsName api.tech.local -KeyAlgorithm ECDSA_nistP256
$hash = $cert.Thumbprint.ToLower()
netsh http show sslcert
netsh http add sslcert ipport=0.0.0.0:9419 certhash=$hash appid={284175c4-aa3e-4c6f-a2dd-5a4c80552eb9} certstorename=MY
"exit code: $LASTEXITCODE"
netsh http add sslcert ipport=0.0.0.0:9419 certhash=$hash appid={284175c4-aa3e-4c6f-a2dd-5a4c80552eb9}
"exit code: $LASTEXITCODE"
netsh http update sslcert ipport=0.0.0.0:9419 certhash=$hash appid="{284175c4-aa3e-4c6f-a2dd-5a4c80552eb9}"
netsh http show sslcert ipport=0.0.0.0:9419
netsh http add sslcert ipport=[::]:443 certhash=0000000000000000000000000000000000000000 appid={284175c4-aa3e-4c6f-a2dd-5a4c80552eb9}
netsh http add sslcert ipport=0.0.0.0:8443 certhash=$hash appid=284175c4
netsh http delete sslcert ipport=0.0.0.0:9419
netsh http delete sslcert ipport=0.0.0.0:9419
"exit code: $LASTEXITCODE"
netsh http show sslcert
