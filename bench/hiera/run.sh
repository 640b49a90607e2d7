#!/usr/bin/env bash
# Hiera benchmark: generated data for 10,000 VMs / 500 customers / 50 resellers (bench/out/hiera),
#  (a) lookups per second in one process (first/deep/unique with interpolation),
#  (e) the same with eyaml levels (bench/out/hiera-eyaml: ENC[PKCS7,...] values on the VM,
#      customer, reseller and common levels, keys made for the run) against plain YAML,
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
eyaml_out=bench/out/hiera-eyaml
node --import tsx bench/hiera/generate.ts "$out" "$eyaml_out"
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
echo "== (e) eyaml levels vs plain YAML, one process each, alternating, best and median of ${EYAML_RUNS:-5}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "${EYAML_RUNS:-5}"); do
  node bench/out/hiera-inprocess.mjs "$out" >>bench/out/hiera-plain.ndjson.tmp
  node bench/out/hiera-inprocess.mjs "$eyaml_out" >>bench/out/hiera-eyaml.ndjson.tmp
done
mv bench/out/hiera-plain.ndjson.tmp bench/out/hiera-plain.ndjson
mv bench/out/hiera-eyaml.ndjson.tmp bench/out/hiera-eyaml.ndjson
node bench/hiera/eyaml-ratio.mjs bench/out/hiera-plain.ndjson bench/out/hiera-eyaml.ndjson
echo "== (b)+(c) one process per lookup"
node --import tsx bench/hiera/single.ts "$out" "${AARE_RUNS:-7}" "${PUPPET_RUNS:-3}"
