#!/bin/bash
# Stops the lab's PowerDNS: only the pid from its pid file.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init dns
rm -f "$S/env" "$S/endpoints"
stop_process pdns
