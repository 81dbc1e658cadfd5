#!/usr/bin/env bash
# Every test: host unit tests of every package, then every package's lab
# suite inside the virtual lab. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
export TURBO_TELEMETRY_DISABLED=1
rm -rf reports && mkdir -p reports

status=0
echo "== unit tests (host) =="
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=reports/unit.json || status=1

echo "== lab tests (real drivers under QEMU) =="
pnpm exec turbo run test:lab --concurrency=1 --continue || status=1

node scripts/summarize.mjs reports "$status" || status=1
exit $status
