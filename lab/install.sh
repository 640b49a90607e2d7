#!/bin/bash
# Installs every Debian package the lab and the test suites need: the union of lab/packages/*.txt
# (one name per line, # comments), or only the lists of the areas named on the command line
# (`install.sh packaging` installs lab/packages/packaging.txt). Idempotent and fast when all are present. Runs `apt-get update`
# only when the machine has no package lists (a fresh container), or once more if the install
# fails. A policy-rc.d keeps postinst scripts from starting system daemons: the lab runs its own.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${AARE_LAB_STATE:-/var/tmp/aare-lab}"
mkdir -p "$STATE/log"
LOG="$STATE/log/apt.log"
T0=$EPOCHREALTIME
ts() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN{printf "[packages %5.1fs] %s\n", b-a, m}'; }

lists=("$HERE"/packages/*.txt)
if [ $# -gt 0 ]; then
  lists=()
  for area in "$@"; do
    [ -f "$HERE/packages/$area.txt" ] || { echo "lab: no package list $HERE/packages/$area.txt" >&2; exit 2; }
    lists+=("$HERE/packages/$area.txt")
  done
fi
wanted=$(cat "${lists[@]}" 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
[ -n "$wanted" ] || exit 0
# one dpkg-query for all: names not reported as installed are missing
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $wanted 2>/dev/null | awk '$2 ~ /^ii/ {print $1}' | sort -u || true)
missing=$(comm -23 <(echo "$wanted") <(echo "$installed") | tr '\n' ' ')
if [ -z "${missing// /}" ]; then ts "all $(echo "$wanted" | wc -l) packages present"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "lab: packages missing: $missing; run 'aare lab up' as root to install them" >&2; exit 1; }

ts "installing:$( [ ${#missing} -gt 300 ] && echo " $(echo $missing | wc -w) packages" || echo " $missing")"
made_policy=""
cleanup() { if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT
# cloud-init is installed for its schema check only: it must never configure this machine
mkdir -p /etc/cloud && touch /etc/cloud/cloud-init.disabled
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# written by aare lab/install.sh while it installs packages\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
apt_update() { flock /tmp/apt.lock apt-get update -q >> "$LOG" 2>&1 || { tail -20 "$LOG" >&2; echo "lab: apt-get update failed (log $LOG)" >&2; exit 1; }; }
if ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; then
  apt_update; ts "apt-get update done"
fi
install() {
  flock /tmp/apt.lock apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 $missing >> "$LOG" 2>&1
}
if ! install; then
  ts "install failed; apt-get update and one more try"
  apt_update
  install || { tail -30 "$LOG" >&2; echo "lab: apt-get install failed (log $LOG)" >&2; exit 1; }
fi
ts "packages installed"
