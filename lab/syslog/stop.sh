#!/bin/bash
# Stops the lab's rsyslog receiver: only the pid from its pid file. Received logs stay in $S/logs.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init syslog
rm -f "$S/env" "$S/endpoints"
stop_process rsyslogd
