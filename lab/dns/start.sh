#!/bin/bash
# PowerDNS Authoritative 4.7 (sqlite3 backend) on 127.0.0.1: DNS on AARE_LAB_DNS_PORT (udp+tcp,
# default 15353), HTTP API on AARE_LAB_DNS_API_PORT (default 18081) with key AARE_LAB_DNS_API_KEY.
# Caches off, so a change is visible at once; RFC 2136 updates allowed per zone (metadata).
# Idempotent: creates the database once, starts pdns_server unless running, waits for the API.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init dns
DNS_PORT="${AARE_LAB_DNS_PORT:-15353}"
API_PORT="${AARE_LAB_DNS_API_PORT:-18081}"
API_KEY="${AARE_LAB_DNS_API_KEY:-aare-test-api-key}"
need_cmd /usr/sbin/pdns_server sqlite3 curl

if ! running pdns && { port_busy "$API_PORT" || port_busy "$DNS_PORT"; }; then
  die "port $LAB_H:$API_PORT or $LAB_H:$DNS_PORT is taken by a process that is not this lab's PowerDNS (set AARE_LAB_DNS_PORT / AARE_LAB_DNS_API_PORT)"
fi
if [ ! -s "$S/pdns.sqlite3" ]; then
  sqlite3 "$S/pdns.sqlite3" < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
  ts "database created"
fi
cat > "$S/etc/pdns.conf" <<EOT
launch=gsqlite3
gsqlite3-database=$S/pdns.sqlite3
local-address=$LAB_H
local-port=$DNS_PORT
socket-dir=$S/run
daemon=no
guardian=no
disable-syslog=yes
loglevel=4
api=yes
api-key=$API_KEY
webserver=yes
webserver-address=$LAB_H
webserver-port=$API_PORT
webserver-allow-from=127.0.0.0/8
dnsupdate=yes
allow-dnsupdate-from=
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
zone-cache-refresh-interval=0
security-poll-suffix=
default-soa-content=ns1.aare.test. hostmaster.@ 0 10800 3600 604800 3600
EOT
launch pdns /usr/sbin/pdns_server --config-dir="$S/etc"
API="http://$LAB_H:$API_PORT/api/v1/servers/localhost"
for i in $(seq 1 120); do
  curl -fsS -o /dev/null -H "X-API-Key: $API_KEY" "$API" 2>/dev/null && break
  running pdns || die_log pdns "pdns_server died"
  sleep 0.25
done
curl -fsS -o /dev/null -H "X-API-Key: $API_KEY" "$API" || die_log pdns "the PowerDNS API does not answer on $API"
cat > "$S/env" <<EOT
AARE_LAB_DNS=$LAB_H:$API_PORT
AARE_LAB_DNS_SERVER=$LAB_H:$DNS_PORT
AARE_LAB_DNS_API_KEY=$API_KEY
EOT
echo "pdns=$LAB_H:$API_PORT" > "$S/endpoints"
ts "ready: API http://$LAB_H:$API_PORT (X-API-Key $API_KEY), DNS $LAB_H:$DNS_PORT"
