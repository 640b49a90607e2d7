#!/bin/bash
# Backup server: restic repositories served over restic's REST protocol by `rclone serve restic`
# (Debian has no package of restic's own rest-server), on 127.0.0.1:
#   AARE_LAB_BACKUP_PORT (default 18280)             full access: what Aare uses (init, forget --prune, delete)
#   AARE_LAB_BACKUP_APPENDONLY_PORT (default 18281)  --append-only: what the VMs' backup jobs use
# Both serve one directory, $S/repos/<customer>/<environment>/, with --private-repos (login C may
# only use /C/...) and one htpasswd file, $S/htpasswd. The file starts empty; Aare writes the
# customers' logins into it (endpoints.backup.htpasswd in aare.yaml). rclone re-reads the file
# whenever its modification time changes (checked on each request), so a new or removed login
# takes effect at once, without a restart (docs/backup.md). --cache-objects=false: otherwise rclone
# answers from its listing cache, and a repository deleted by hand still "exists" (HEAD 200, init
# refused, GET reset) until the cache expires.
# Idempotent: starts what is not running, waits until both ports answer.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init backup
PORT="${AARE_LAB_BACKUP_PORT:-18280}"
AO_PORT="${AARE_LAB_BACKUP_APPENDONLY_PORT:-18281}"
need_cmd rclone restic

for p in "rest:$PORT" "rest-appendonly:$AO_PORT"; do
  if ! running "${p%%:*}" && port_busy "${p#*:}"; then
    die "port $LAB_H:${p#*:} is taken by a process that is not this lab's rclone (set AARE_LAB_BACKUP_PORT / AARE_LAB_BACKUP_APPENDONLY_PORT)"
  fi
done
mkdir -p "$S/repos" "$S/home"
# an empty file is a valid htpasswd (no logins yet); never truncate one Aare has written
[ -e "$S/htpasswd" ] || { : > "$S/htpasswd"; chmod 600 "$S/htpasswd"; }
touch "$S/home/rclone.conf"

# HOME and RCLONE_CONFIG inside the state dir: rclone reads and writes nothing of the caller's
serve() {  # NAME PORT EXTRA-ARGS...
  local name="$1" port="$2"; shift 2
  launch "$name" env HOME="$S/home" RCLONE_CONFIG="$S/home/rclone.conf" \
    rclone serve restic "$S/repos" --addr "$LAB_H:$port" --htpasswd "$S/htpasswd" --private-repos --cache-objects=false "$@"
}
serve rest "$PORT"
serve rest-appendonly "$AO_PORT" --append-only
wait_tcp rest "$PORT" 30
wait_tcp rest-appendonly "$AO_PORT" 30

cat > "$S/env" <<EOT
AARE_LAB_BACKUP=$LAB_H:$PORT
AARE_LAB_BACKUP_APPENDONLY=$LAB_H:$AO_PORT
AARE_LAB_BACKUP_HTPASSWD=$S/htpasswd
AARE_LAB_BACKUP_REPOS=$S/repos
EOT
printf 'rest=%s\nrest-appendonly=%s\n' "$LAB_H:$PORT" "$LAB_H:$AO_PORT" > "$S/endpoints"
ts "ready: full access http://$LAB_H:$PORT, append-only http://$LAB_H:$AO_PORT, logins in $S/htpasswd, repositories in $S/repos"
