#!/bin/bash
# Stops the lab's Pulp: only the pids from its pid files (each process group: gunicorn workers,
# task children), then the signing key's gpg-agent. `--purge` (via `aare lab down pulp --purge`)
# also drops its database in the lab's PostgreSQL; the state dir itself is removed by lab down.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init pulp
rm -f "$S/env" "$S/endpoints"
stop_process worker
stop_process content
stop_process api
if [ -d "$S/gnupg" ]; then GNUPGHOME="$S/gnupg" gpgconf --kill gpg-agent 2>/dev/null || true; fi
