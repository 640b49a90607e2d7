#!/bin/bash
# The venv of the lab's Pulp 3: pulpcore + pulp-rpm from the Python package index, with every
# dependency pinned in constraints.txt (all wheels but drf-access-policy, which is pure Python, so
# nothing is compiled). Idempotent: a venv that already has the pinned versions is left alone.
# Debian packages come from lab/packages/pulp.txt (lab/install.sh). Called by start.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE="$LAB_DIR/pulp"
V="$AARE_LAB_STATE/pulp/venv"
PULPCORE_VERSION=3.123.1
PULP_RPM_VERSION=3.39.4
mkdir -p "$AARE_LAB_STATE/pulp/log"
LOG="$AARE_LAB_STATE/pulp/log/setup-pip.log"

have() {  # the venv holds exactly the pinned top-level versions
  [ -x "$V/bin/python" ] && "$V/bin/python" - "$PULPCORE_VERSION" "$PULP_RPM_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if [version("pulpcore"), version("pulp-rpm")] == sys.argv[1:] else 1)
PY
}
have && exit 0
command -v python3 >/dev/null && python3 -c 'import ensurepip' 2>/dev/null \
  || { echo "[pulp] python3-venv is missing: run 'aare lab up pulp' as root (lab/packages/pulp.txt)" >&2; exit 1; }
[ -x "$V/bin/python" ] || python3 -m venv "$V"
# shellcheck disable=SC2086
if ! "$V/bin/pip" install --prefer-binary --disable-pip-version-check -c "$HERE/constraints.txt" \
     "pulpcore==$PULPCORE_VERSION" "pulp-rpm==$PULP_RPM_VERSION" ${AARE_LAB_PULP_PIP_ARGS:-} > "$LOG" 2>&1; then
  tail -30 "$LOG" >&2; echo "[pulp] pip install failed (log $LOG)" >&2; exit 1
fi
have || { echo "[pulp] the venv does not hold the pinned versions after pip install (log $LOG)" >&2; exit 1; }
"$V/bin/python" -c 'import createrepo_c, solv, pysequoia, psycopg' || { echo "[pulp] a compiled dependency does not import" >&2; exit 1; }
