#!/bin/bash
# The provider's mail relay on 127.0.0.1: a private Postfix instance (own config and queue
# directory under $S, never the system's Postfix) on AARE_LAB_SMTP_PORT (default 10025), whose
# relayhost is a local SMTP sink (aiosmtpd, Maildir) on AARE_LAB_MAIL_SINK_PORT (default 18225),
# so nothing ever leaves the machine:
#   VM --SMTP--> relay 127.0.0.1:10025 --SMTP--> sink 127.0.0.1:18225 --> $S/sink/Maildir/new/
# The relay lets only the networks of Aare's client map relay ($S/etc/aare-clients.cidr, written by
# `aare mail relay-config --map`; starts empty, so nobody may relay), and reads a new map on
# `postfix -c $S/etc reload`. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init mail
PORT="${AARE_LAB_SMTP_PORT:-10025}"
SINK_PORT="${AARE_LAB_MAIL_SINK_PORT:-18225}"
need_cmd /usr/sbin/postfix /usr/sbin/postconf /usr/bin/python3
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || die "python3-aiosmtpd is missing: run 'aare lab up' as root once (lab/install.sh)"
mkdir -p "$S/spool" "$S/data" "$S/sink/Maildir"/{new,cur,tmp}

# ---- sink: accepts everything, one file per message in Maildir/new --------------------------
if ! running sink && port_busy "$SINK_PORT"; then
  die "port $LAB_H:$SINK_PORT is taken by a process that is not this lab's mail sink (set AARE_LAB_MAIL_SINK_PORT)"
fi
launch sink /usr/bin/python3 -m aiosmtpd -n -l "$LAB_H:$SINK_PORT" -c aiosmtpd.handlers.Mailbox "$S/sink/Maildir"

# ---- relay: a private Postfix instance ------------------------------------------------------
if ! running relay && port_busy "$PORT"; then
  die "port $LAB_H:$PORT is taken by a process that is not this lab's mail relay (set AARE_LAB_SMTP_PORT)"
fi
# the map Aare writes; an empty one until then (a missing table would make smtpd fail)
[ -f "$S/etc/aare-clients.cidr" ] || printf '# no customer network may relay until `aare mail relay-config --map` writes this file\n' > "$S/etc/aare-clients.cidr"
cp /usr/share/postfix/master.cf.dist "$S/etc/master.cf"
cat > "$S/etc/main.cf" <<EOT
# The lab's mail relay (lab/mail/start.sh): the provider side of docs/mail.md.
compatibility_level = 3.6
queue_directory = $S/spool
data_directory = $S/data
maillog_file = $S/log/maillog
# the lab's mark survives Postfix's environment clean-up, so stop.sh and status know its processes
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C AARE_LAB_MARK
myhostname = relay.aare.test
mydomain = aare.test
myorigin = \$myhostname
inet_interfaces = $LAB_H
inet_protocols = ipv4
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled on the relay
alias_maps =
alias_database =
# the customer networks that may relay: Aare's map (aare mail relay-config)
mynetworks = cidr:$S/etc/aare-clients.cidr
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_banner = \$myhostname ESMTP aare-lab-relay
# every message goes to the sink: nothing leaves the machine
relayhost = [$LAB_H]:$SINK_PORT
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtputf8_enable = no
biff = no
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
EOT
# SMTP on $LAB_H:$PORT instead of :25; no chroot (no jail is prepared under $S/spool)
postconf -c "$S/etc" -M# smtp/inet
postconf -c "$S/etc" -Me "$LAB_H:$PORT/inet = $LAB_H:$PORT inet n - n - - smtpd"
postconf -c "$S/etc" -F '*/*/chroot = n'
chown postfix "$S/data"
warnings=$(postconf -c "$S/etc" -n 2>&1 >/dev/null || true)
[ -z "$warnings" ] || die "postconf complains about $S/etc/main.cf: $warnings"
postfix -c "$S/etc" check >> "$S/log/relay.log" 2>&1 || die_log relay "postfix check failed for $S/etc"
# start-fg keeps postfix-script waiting for the master, so the relay's pid lives as long as the
# master; the master makes its own session, so its pid is kept apart for stop.sh
launch relay /usr/sbin/postfix -c "$S/etc" start-fg
wait_tcp sink "$SINK_PORT" 30
wait_tcp relay "$PORT" 30
tr -d ' \n' < "$S/spool/pid/master.pid" > "$S/run/master.internal.pid"

cat > "$S/env" <<EOT
AARE_LAB_SMTP=$LAB_H:$PORT
AARE_LAB_MAIL_SINK=$S/sink/Maildir
AARE_LAB_MAIL_RELAY_CONFIG=$S/etc
EOT
printf 'relay=%s\nsink=%s\n' "$LAB_H:$PORT" "$LAB_H:$SINK_PORT" > "$S/endpoints"
ts "ready: relay smtp://$LAB_H:$PORT (config $S/etc, client map $S/etc/aare-clients.cidr) -> sink $LAB_H:$SINK_PORT (Maildir $S/sink/Maildir)"
