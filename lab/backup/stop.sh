#!/bin/bash
# Stops the lab's backup server (both rclone processes): only the pids from its pid files.
# Repositories and the htpasswd file stay (`aare lab down backup --purge` deletes them).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init backup
rm -f "$S/env" "$S/endpoints"
stop_process rest-appendonly
stop_process rest
