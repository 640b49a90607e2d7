#!/usr/bin/env bash
# Hiera benchmark: generated data for 10,000 VMs / 500 customers / 50 resellers (bench/out/hiera),
#  (a) lookups per second in one process (first/deep/unique with interpolation),
#  (b) wall time of one `aare lookup` process, (c) the same lookups with `puppet lookup`
#      (Debian's puppet package, installed when missing), as ratios from the same run.
# Usage: bash bench/hiera/run.sh            (not part of npm test)
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v puppet >/dev/null; then
  echo "installing Debian's puppet (for the comparison)..." >&2
  flock /tmp/apt.lock sudo -n apt-get install -y puppet >/dev/null 2>&1 || flock /tmp/apt.lock apt-get install -y puppet >/dev/null
fi
out=bench/out/hiera
node --import tsx bench/hiera/generate.ts "$out"
node scripts/build.mjs
# the in-process bench runs from an esbuild bundle, as the CLI does (no tsx in the measurement)
npx esbuild bench/hiera/inprocess.ts --bundle --platform=node --format=esm --target=node20 \
  --packages=external --outfile=bench/out/hiera-inprocess.mjs --log-level=warning
echo "== (a) one process, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
node bench/out/hiera-inprocess.mjs "$out" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(`${r.vms} VMs x ${r.keysPerVm} keys (first/deep/unique, interpolation, dotted)`);
  console.log(`cold (files parsed on the way): ${r.coldLookupsPerSecond.toLocaleString("en")} lookups/s`);
  console.log(`warm files, fresh facts per VM: ${r.warmLookupsPerSecond.toLocaleString("en")} lookups/s wall, ${r.warmLookupsPerCpuSecond.toLocaleString("en")} lookups per CPU-second (target > 100,000)`);'
echo "== (b)+(c) one process per lookup"
node --import tsx bench/hiera/single.ts "$out" "${AARE_RUNS:-7}" "${PUPPET_RUNS:-3}"
