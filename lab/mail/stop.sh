#!/bin/bash
# Stops the lab's mail relay and sink: only the pids from their pid files. The relay's Postfix
# master runs in a session of its own: `postfix stop` ends it and its children gracefully (it
# signals the pid of the instance's own queue directory), its process group is the fallback.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init mail
rm -f "$S/env" "$S/endpoints"
if running master.internal; then
  postfix -c "$S/etc" stop >> "$S/log/relay.log" 2>&1 || true
fi
stop_process master.internal
stop_process relay
stop_process sink
