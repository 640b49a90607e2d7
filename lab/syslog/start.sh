#!/bin/bash
# The central rsyslog receiver on 127.0.0.1: syslog over TCP on AARE_LAB_SYSLOG_PORT (default
# 10514). Its configuration is $S/etc/rsyslog.conf, which includes $S/etc/receiver.d/*.conf; when
# that folder has no file, a default receiver is written that files every line by its sending
# address under $S/logs/_unknown/<address>/<program>.log (the layout of docs/logging.md with no
# VM known). Put the output of `aare logging receiver-config` there instead and restart (see
# lab/README.md). rsyslog's system daemon is never started and /dev/log is never touched (no
# imuxsock). Idempotent: starts rsyslogd unless running, waits until it listens.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init syslog
PORT="${AARE_LAB_SYSLOG_PORT:-10514}"
LOGS="$S/logs"
need_cmd /usr/sbin/rsyslogd logger

if ! running rsyslogd && port_busy "$PORT"; then
  die "port $LAB_H:$PORT is taken by a process that is not this lab's rsyslogd (set AARE_LAB_SYSLOG_PORT)"
fi
mkdir -p "$S/work" "$S/etc/receiver.d" "$LOGS"
cat > "$S/etc/rsyslog.conf" <<EOT
# The lab's central receiver (lab/syslog/start.sh). Everything it receives is in receiver.d/.
global(workDirectory="$S/work" maxMessageSize="64k")
include(file="$S/etc/receiver.d/*.conf" mode="optional")
EOT
if ! compgen -G "$S/etc/receiver.d/*.conf" > /dev/null; then
  cat > "$S/etc/receiver.d/00-lab.conf" <<EOT
# Default lab receiver (no VM known): every line under $LOGS/_unknown/<sending address>/.
# Replace with \`aare logging receiver-config --log-dir $LOGS --address $LAB_H --port $PORT --out <this file>\`.
template(name="aareVmFile" type="string" string="$LOGS/%\$.aaredir%/%\$.aareprog:1:64:secpath-replace%.log")
ruleset(name="aareReceive") {
  set \$.aareprog = \$programname;
  if \$.aareprog == "" then set \$.aareprog = "unknown";
  set \$.aaredir = "_unknown/" & replace(\$fromhost-ip, "/", "_");
  action(type="omfile" dynaFile="aareVmFile" template="RSYSLOG_FileFormat" dirCreateMode="0750" fileCreateMode="0640")
  stop
}
module(load="imtcp")
input(type="imtcp" address="$LAB_H" port="$PORT" ruleset="aareReceive")
EOT
fi
/usr/sbin/rsyslogd -N1 -f "$S/etc/rsyslog.conf" > "$S/log/validate.log" 2>&1 || die_log validate "the receiver configuration in $S/etc is not valid"
# -n: in the foreground (launch backgrounds it); -i: our own pid file, never /run/rsyslogd.pid
launch rsyslogd /usr/sbin/rsyslogd -n -f "$S/etc/rsyslog.conf" -i "$S/work/rsyslogd.pid"
wait_tcp rsyslogd "$PORT" 30
cat > "$S/env" <<EOT
AARE_LAB_SYSLOG=$LAB_H:$PORT
AARE_LAB_SYSLOG_LOGS=$LOGS
EOT
echo "rsyslogd=$LAB_H:$PORT" > "$S/endpoints"
ts "ready: syslog tcp $LAB_H:$PORT, logs in $LOGS"
