#!/bin/bash
# Stops the lab's PostgreSQL (fast shutdown: SIGINT), only the pid from its pid file.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init postgres
stop_process postgres INT
rm -f "$S/env" "$S/endpoints"
