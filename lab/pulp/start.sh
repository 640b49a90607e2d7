#!/bin/bash
# Pulp 3 (pulpcore + pulp_rpm) on 127.0.0.1: the REST API on AARE_LAB_PULP_PORT (default 24817),
# the content app on AARE_LAB_PULP_CONTENT_PORT (24816), one task worker. Its database `pulp` lives
# in the lab's PostgreSQL (lab/postgres, started first if needed); task locks are PostgreSQL
# advisory locks, so no Redis. A test signing key (RSA-3072, no passphrase) in $S/gnupg backs the
# signing services `lab-metadata` (repomd.xml.asc) and `lab-rpm` (rpmsign).
# Idempotent: venv (install.sh), database, settings, migrations, admin password and signing
# services once; starts what is not running; ready when status lists our own worker pid and a
# content app. Test only: well-known admin password (AARE_LAB_PULP_PASSWORD), processes as root.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init pulp
API_PORT="${AARE_LAB_PULP_PORT:-24817}"
CONTENT_PORT="${AARE_LAB_PULP_CONTENT_PORT:-24816}"
ADMIN_PASS="${AARE_LAB_PULP_PASSWORD:-pulp-admin-pass}"
PG_PORT="${AARE_LAB_PG_PORT:-15432}"
API="http://$LAB_H:$API_PORT"
CONTENT_ORIGIN="http://$LAB_H:$CONTENT_PORT"
V="$S/venv"
need_cmd python3 gpg rpmsign jq curl psql

bash "$LAB_DIR/postgres/start.sh" > "$S/log/setup-postgres.log" 2>&1 || die_log setup-postgres "the lab's PostgreSQL did not start"
bash "$LAB_DIR/pulp/install.sh" || die "installing the Pulp venv failed"
ts "venv ready ($V)"
psql_lab() { psql -X -q -h "$LAB_H" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
# a fresh state dir (first start, or after `lab down pulp --purge`) gets a fresh database: the
# signing services in it name the key of the state dir's gnupg
if [ ! -f "$S/done/database" ]; then
  psql_lab -d postgres <<'SQL' > "$S/log/setup-database.log" 2>&1 || die_log setup-database "cannot create the pulp database in the lab's PostgreSQL"
DROP DATABASE IF EXISTS pulp WITH (FORCE);
SELECT 'CREATE ROLE pulp LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulp') \gexec
CREATE DATABASE pulp OWNER pulp ENCODING 'UTF8' TEMPLATE template0;
SQL
  touch "$S/done/database"
fi

mkdir -p "$S"/{bin,media,tmp,gnupg}
[ -s "$S/etc/db.key" ] || "$V/bin/python" -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())' > "$S/etc/db.key"
[ -s "$S/etc/secret_key" ] || "$V/bin/python" -c 'import secrets;print(secrets.token_urlsafe(48))' > "$S/etc/secret_key"
chmod 600 "$S/etc/db.key" "$S/etc/secret_key"
# Django's PBKDF2 (1,000,000 rounds) re-hashes the password on every HTTP Basic request, 0.25 s of
# CPU per call here; a loopback test peer with a well-known password takes salted MD5 first.
cat > "$S/etc/settings.py.new" <<PY
SECRET_KEY = "$(cat "$S/etc/secret_key")"
CONTENT_ORIGIN = "$CONTENT_ORIGIN"
ANALYTICS = False
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "pulp", "USER": "pulp",
                         "HOST": "$LAB_H", "PORT": "$PG_PORT", "CONN_MAX_AGE": 0}}
MEDIA_ROOT = "$S/media"
STATIC_ROOT = "$S/assets"
WORKING_DIRECTORY = "$S/tmp"
FILE_UPLOAD_TEMP_DIR = "$S/tmp"
DB_ENCRYPTION_KEY = "$S/etc/db.key"
ALLOWED_CONTENT_CHECKSUMS = ["sha224", "sha256", "sha384", "sha512"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                    "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
PY
CHANGED=""
cmp -s "$S/etc/settings.py.new" "$S/etc/settings.py" || CHANGED=1
mv "$S/etc/settings.py.new" "$S/etc/settings.py"
export PULP_SETTINGS="$S/etc/settings.py"
manager() { (cd "$S" && "$V/bin/pulpcore-manager" "$@" 9>&-); }

STAMP="$("$V/bin/python" -c 'from importlib.metadata import version as v;print(v("pulpcore")+"-"+v("pulp-rpm"))')"
once "migrate-$STAMP" manager migrate --noinput
once "admin-$(printf %s "$ADMIN_PASS" | sha256sum | cut -c1-12)" manager reset-admin-password --password "$ADMIN_PASS"
ts "database migrated ($STAMP)"

export GNUPGHOME="$S/gnupg"
chmod 700 "$GNUPGHOME"
fpr() { gpg --batch --with-colons --list-secret-keys 2>/dev/null 9>&- | awk -F: '/^fpr:/{print $10; exit}'; }
FPR="$(fpr)"
if [ -z "$FPR" ]; then
  gpg --batch --quiet --passphrase '' --quick-gen-key 'aare lab pulp signing <pulp@aare.test>' rsa3072 sign never \
    > "$S/log/setup-gpg.log" 2>&1 9>&- || die_log setup-gpg "gpg key generation failed"
  FPR="$(fpr)"
fi
gpg --batch --armor --export "$FPR" > "$S/etc/signing-key.asc" 2>/dev/null 9>&-
# pulpcore's AsciiArmoredDetachedSigningService: sign $1, write $1.asc, print the JSON it expects
cat > "$S/bin/sign-metadata.sh" <<SH
#!/bin/bash
set -euo pipefail
export GNUPGHOME="$GNUPGHOME"
gpg --batch --yes --quiet --pinentry-mode loopback --passphrase '' --digest-algo SHA256 \\
    --detach-sign --armor --local-user "\$PULP_SIGNING_KEY_FINGERPRINT" --output "\$1.asc" "\$1"
printf '{"file": "%s", "signature": "%s"}\n' "\$1" "\$1.asc"
SH
# pulp_rpm's RpmPackageSigningService; Debian's rpm macros name gpg2, which Debian 12 lacks
cat > "$S/bin/sign-rpm.sh" <<SH
#!/bin/bash
set -euo pipefail
export GNUPGHOME="$GNUPGHOME"
rpmsign --define "_gpg_name \$PULP_SIGNING_KEY_FINGERPRINT" --define "__gpg $(command -v gpg)" --addsign "\$1" >&2
printf '{"rpm_package": "%s"}\n' "\$1"
SH
chmod 755 "$S/bin/sign-metadata.sh" "$S/bin/sign-rpm.sh"
# signing services exist only server-side (no REST create), are immutable, and are verified once
add_service() {  # NAME SCRIPT [--class ...]
  local name="$1" script="$2" have; shift 2
  have="$(psql_lab -d pulp -At -c "SELECT pubkey_fingerprint FROM core_signingservice WHERE name = '$name'")"
  [ "$have" = "$FPR" ] && return 0
  [ -z "$have" ] || die "signing service $name has key $have, not $FPR (the key dir was replaced: aare lab down pulp --purge)"
  manager add-signing-service "$@" "$name" "$script" "$FPR" >> "$S/log/setup-signing.log" 2>&1 \
    || die_log setup-signing "add-signing-service $name failed"
}
add_service lab-metadata "$S/bin/sign-metadata.sh"
add_service lab-rpm "$S/bin/sign-rpm.sh" --class rpm:RpmPackageSigningService
ts "signing services lab-metadata, lab-rpm (key $FPR)"

if [ -n "$CHANGED" ]; then stop_process api; stop_process content; stop_process worker; fi
if ! running api && port_busy "$API_PORT"; then die "port $LAB_H:$API_PORT is taken by a process that is not this lab's Pulp (set AARE_LAB_PULP_PORT)"; fi
if ! running content && port_busy "$CONTENT_PORT"; then die "port $LAB_H:$CONTENT_PORT is taken by a process that is not this lab's Pulp (set AARE_LAB_PULP_CONTENT_PORT)"; fi
cd "$S"
# --no-control-socket: gunicorn >= 25.1 otherwise shares one socket in ~/.gunicorn between all its instances
launch api "$V/bin/pulpcore-api" --bind "$LAB_H:$API_PORT" --workers 1 --timeout 90 --no-control-socket --access-logfile -
launch content "$V/bin/pulpcore-content" --bind "$LAB_H:$CONTENT_PORT" --workers 1 --no-control-socket --access-logfile -
launch worker "$V/bin/pulpcore-worker"

# a worker killed with -9 stays "online" for up to 30 s, so wait for our own worker's pid
for i in $(seq 1 480); do
  for p in api content worker; do running "$p" || die_log "$p" "$p died"; done
  if ST="$(curl -fsS -m 5 "$API/pulp/api/v3/status/" 2>/dev/null)" \
     && jq -e --arg p "$(cat "$S/run/worker.pid")@" \
          '([.online_workers[].name | select(startswith($p))] | length) >= 1 and (.online_content_apps | length) >= 1' <<<"$ST" >/dev/null \
     && curl -fsS -m 5 -o /dev/null "$CONTENT_ORIGIN/pulp/content/"; then break; fi
  [ "$i" = 480 ] && die_log api "Pulp is not ready after 120 s"
  sleep 0.25
done
cat > "$S/env" <<EOT
AARE_LAB_PULP=$API
AARE_LAB_PULP_USER=admin
AARE_LAB_PULP_PASSWORD=$ADMIN_PASS
AARE_LAB_PULP_CONTENT=$CONTENT_ORIGIN/pulp/content/
AARE_LAB_PULP_SIGNING_SERVICE=lab-metadata
AARE_LAB_PULP_SIGNING_KEY=$S/etc/signing-key.asc
EOT
printf 'api=%s\ncontent=%s\n' "$LAB_H:$API_PORT" "$LAB_H:$CONTENT_PORT" > "$S/endpoints"
ts "ready: API $API (admin / $ADMIN_PASS), content $CONTENT_ORIGIN/pulp/content/"
