# Scripting certhost serve with Invoke-RestMethod, as pwsh admins script Veeam's REST API:
# a token, the public certificate route, an upload with -Form, an unauthorized call.
# The password comes from the environment, never from the command line.
param([string]$BaseUri = 'https://127.0.0.1:9419', [string]$Password = $env:API_PASSWORD)
$version = @{ 'x-api-version' = '1.0-rev0' }
$form = @{ grant_type = 'password'; username = 'admin'; password = $Password }
$token = Invoke-RestMethod -Method Post -Uri "$BaseUri/api/oauth2/token" -Body $form -Headers $version -SkipCertificateCheck
"token type: $($token.token_type)"
$secure = ConvertTo-SecureString $token.access_token -AsPlainText -Force
$before = Invoke-RestMethod "$BaseUri/api/v1/serverCertificate" -Headers $version -SkipCertificateCheck
"before: $($before.subject)"
$upload = @{ certificateFile = Get-Item ./backup01.pfx; certificatePassword = 'Passw0rd!' }
Invoke-RestMethod -Method Post -Uri "$BaseUri/api/v1/settings/certificates/upload" -Form $upload -Authentication Bearer -Token $secure -Headers $version -SkipCertificateCheck -StatusCodeVariable status
"upload status: $status"
$after = Invoke-RestMethod "$BaseUri/api/v1/serverCertificate" -Headers $version -SkipCertificateCheck
"after: $($after.subject)"
"changed: $($after.thumbprint -ne $before.thumbprint)"
$list = Invoke-RestMethod "$BaseUri/api/v1/settings/certificates" -Authentication Bearer -Token $secure -Headers $version -SkipCertificateCheck
"listed: $(@($list.data | Where-Object { $_.thumbprint -eq $after.thumbprint }).Count)"
try {
    Invoke-RestMethod "$BaseUri/api/v1/settings/certificates" -Headers $version -SkipCertificateCheck
} catch {
    "refused: $($_.Exception.Message.Split([char]10)[0])"
}
