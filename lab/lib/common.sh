# Shared helpers for the lab's service scripts (sourced, not run). A lab service is one script
# pair, lab/<service>/start.sh and lab/<service>/stop.sh, keeping everything under
# $AARE_LAB_STATE/<service>/: etc/, log/<process>.log, run/<process>.pid, done/ (one-time steps),
# env (the exports `aare lab env` prints) and endpoints (NAME=host:port, checked by `aare lab status`).
#
# Processes are started with setsid and carry AARE_LAB_MARK=<service state dir> in their
# environment; stop only signals pids from our pid files that still carry the mark (or have the
# state dir on their command line), so a recycled pid is never hit.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AARE_LAB_STATE="${AARE_LAB_STATE:-/var/tmp/aare-lab}"
LAB_H=127.0.0.1

# lab_init SERVICE: sets S (the service's state dir), creates its folders, takes its lock
lab_init() {
  SERVICE="$1"
  S="$AARE_LAB_STATE/$SERVICE"
  export AARE_LAB_MARK="$S"
  mkdir -p "$S"/{etc,log,run,done}
  T0=$EPOCHREALTIME
  exec 9>"$S/run/.lock"
  if ! flock -n 9; then
    echo "[$SERVICE] waiting for another start/stop of $SERVICE to finish"
    flock -w 900 9 || die "another start/stop of $SERVICE holds $S/run/.lock for more than 15 minutes"
  fi
}

ts() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v s="$SERVICE" -v m="$*" 'BEGIN{printf "[%s %5.1fs] %s\n", s, b-a, m}'; }
die() { echo "[$SERVICE] ERROR: $*" >&2; exit 1; }
# die_log NAME MESSAGE: the failing process's log tail, then die
die_log() {
  local f="$S/log/$1.log"
  if [ -f "$f" ]; then echo "---- last 40 lines of $f ----" >&2; tail -40 "$f" >&2; echo "----" >&2; fi
  die "$2"
}

is_ours() {  # pid -> alive and ours
  [ -n "${1:-}" ] && [ -d "/proc/$1" ] || return 1
  { tr '\0' '\n' < "/proc/$1/environ" | grep -qxF "AARE_LAB_MARK=$S"; } 2>/dev/null && return 0
  { tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF "$S/"; } 2>/dev/null
}
running() { local f="$S/run/$1.pid"; [ -f "$f" ] && is_ours "$(cat "$f")"; }
group_members() {  # pgid -> our pids in that process group
  local p
  for p in $(ps -e -o pid=,pgid= | awk -v g="$1" '$2==g {print $1}'); do
    is_ours "$p" && echo "$p"
  done
  return 0
}

# launch NAME CMD...: start in its own session with log and pid file, unless already running
launch() {
  local name="$1"; shift
  if running "$name"; then echo "  $name already running (pid $(cat "$S/run/$name.pid"))"; return 0; fi
  if [ -f "$S/run/$name.pid" ]; then
    local left; left=$(group_members "$(cat "$S/run/$name.pid")")
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  fi
  setsid "$@" >> "$S/log/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$S/run/$name.pid"
  echo "  started $name (pid $!)"
}

# stop_process NAME [SIGNAL]: signal its process group (ours only), wait up to 15 s, then KILL
stop_process() {
  local name="$1" sig="${2:-TERM}" f="$S/run/$1.pid" pid pids i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  pids=$(group_members "$pid")
  if [ -z "$pids" ]; then rm -f "$f"; return 0; fi
  kill "-$sig" $pids 2>/dev/null || true
  for i in $(seq 1 60); do
    pids=$(group_members "$pid"); [ -z "$pids" ] && break
    sleep 0.25
  done
  if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || true; echo "  $name: killed -9"; fi
  rm -f "$f"
  echo "  stopped $name"
}

wait_http() {  # NAME URL [TIMEOUT_S]: until the URL answers anything
  local name="$1" url="$2" to="${3:-120}" i=0 code
  while :; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
    [ "$code" != "000" ] && return 0
    running "$name" || die_log "$name" "$name died"
    i=$((i+1)); [ $i -gt $((to*4)) ] && die_log "$name" "$name did not answer on $url within ${to}s"
    sleep 0.25
  done
}
wait_tcp() {  # NAME PORT [TIMEOUT_S]
  local name="$1" port="$2" to="${3:-120}" i=0
  until (exec 3<>"/dev/tcp/$LAB_H/$port") 2>/dev/null; do
    running "$name" || die_log "$name" "$name died"
    i=$((i+1)); [ $i -gt $((to*4)) ] && die_log "$name" "$name not listening on $LAB_H:$port within ${to}s"
    sleep 0.25
  done
}
port_busy() { (exec 3<>"/dev/tcp/$LAB_H/$1") 2>/dev/null; }

# once NAME CMD...: a one-time setup step (marker in done/), logged to log/setup-NAME.log
once() {
  local name="$1"; shift
  [ -f "$S/done/$name" ] && return 0
  if "$@" >> "$S/log/setup-$name.log" 2>&1; then touch "$S/done/$name"
  else die_log "setup-$name" "setup step $name failed"; fi
}

# need_cmd CMD...: the packages must be installed (by lab/install.sh)
need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || die "$c is missing: run 'aare lab up' as root once to install the lab's packages (lab/install.sh)"
  done
}
