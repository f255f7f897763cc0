#!/usr/bin/env bash
# Benchmark of `certhost serve` against nginx serving the same certificate and key, in
# one run, on loopback: TLS handshakes per second (openssl s_time, a new session per
# connection), requests per second for GET /api/v1/serverCertificate on kept-alive
# connections (wrk), and the latency of a certificate upload until new handshakes
# present the new certificate. Installs nginx and wrk when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${BENCH_SECONDS:-5}
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# CERTHOST_BIN measures another build (an earlier commit's, for before/after rows).
BIN=${CERTHOST_BIN:-$PWD/target/release/certhost}
[ -n "${CERTHOST_BIN:-}" ] || cargo build --release --locked -p certhost >/dev/null

work=$(mktemp -d)
cleanup() {
  [ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
certhost_port=$(free_port); nginx_port=$(free_port)
export CERTHOST_HOME="$work/home" CERTHOST_REST_ENDPOINT="127.0.0.1:$certhost_port"
cp tests/fixtures/tech-local/{backup01.pfx,leaf.crt,ca.crt,TechCompany.key} "$work/"
cd "$work"
password='Bench-passw0rd'
"$BIN" -NonInteractive -c "
  Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 127.0.0.1
  New-ApiAccount -UserName bench -Password '$password' | Out-Null
  Add-BackupServerCertificate -CertificatePath leaf.crt -PrivateKeyPath TechCompany.key | Out-Null" 
"$BIN" serve 2>serve.log &
serve_pid=$!
for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$certhost_port/" && break; sleep 0.1; done
curl -sk -H 'x-api-version: 1.0-rev0' "https://127.0.0.1:$certhost_port/api/v1/serverCertificate" > model.json

# nginx: the same certificate, key and JSON body.
cat leaf.crt ca.crt > chain.pem
mkdir -p nginx/logs
cat > nginx.conf <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/chain.pem;
    ssl_certificate_key $work/TechCompany.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off; ssl_session_tickets off;
    location = /api/v1/serverCertificate { default_type application/json; alias $work/model.json; }
  }
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx.conf"
for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$nginx_port/" && break; sleep 0.1; done

handshakes() { # connections per second with a full handshake each
  openssl s_time -connect "127.0.0.1:$1" -new -time "$SECONDS_EACH" 2>/dev/null |
    awk '/connections in/ && /real seconds/ { for (i=1;i<=NF;i++) if ($i=="connections") c=$(i-1); for (i=1;i<=NF;i++) if ($i=="real") t=$(i-1); print c/t; exit }'
}
requests() { # requests per second, 2 threads, 32 kept-alive connections
  wrk -t2 -c32 -d"${SECONDS_EACH}s" -H 'x-api-version: 1.0-rev0' "https://127.0.0.1:$1/api/v1/serverCertificate" |
    awk '/Requests\/sec/ { print $2 }'
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

ch=$(handshakes "$certhost_port"); nh=$(handshakes "$nginx_port")
cr=$(requests "$certhost_port"); nr=$(requests "$nginx_port")

# Upload latency: from sending the PFX until the 202 (which is sent once new
# handshakes present the new certificate), then checked with s_client.
token=$(curl -sk -H 'x-api-version: 1.0-rev0' -d grant_type=password -d username=bench \
  --data-urlencode "password=$password" "https://127.0.0.1:$certhost_port/api/oauth2/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
latencies=()
for i in 1 2 3 4 5; do
  # Alternate between the PFX and a fresh certificate so each upload is a real change.
  if [ $((i % 2)) -eq 1 ]; then file=backup01.pfx; pw='Passw0rd!'; else
    "$BIN" -NonInteractive -c "Generate-BackupServerCertificate -Name b$i | Export-PfxCertificate -FilePath new$i.pfx -Password 'pw-$i' | Out-Null"
    file=new$i.pfx; pw="pw-$i"; fi
  t=$(curl -sk -o /dev/null -w '%{http_code} %{time_total}' -H 'x-api-version: 1.0-rev0' -H "Authorization: Bearer $token" \
    -F "certificateFile=@$file" -F "certificatePassword=$pw" "https://127.0.0.1:$certhost_port/api/v1/settings/certificates/upload")
  [ "${t%% *}" = 202 ] || { echo "upload failed: $t" >&2; exit 1; }
  latencies+=("${t#* }")
done
upload_ms=$(printf '%s\n' "${latencies[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]*1000}')

printf '\n%-52s %12s %12s %8s\n' "certhost serve vs nginx (same cert, loopback)" certhost nginx ratio
printf '%s\n' "$(printf -- '-%.0s' {1..88})"
printf '%-52s %12.0f %12.0f %8s\n' "TLS handshakes/s (openssl s_time -new)" "$ch" "$nh" "$(ratio "$ch" "$nh")"
printf '%-52s %12.0f %12.0f %8s\n' "GET /api/v1/serverCertificate req/s (wrk -c32)" "$cr" "$nr" "$(ratio "$cr" "$nr")"
printf '%-52s %12s %12s %8s\n' "upload PFX until new handshakes use it (median of 5)" "${upload_ms} ms" "-" "-"
