#!/usr/bin/env bash
# Every test: host unit tests of every package (the install test among them:
# every tarball holds the x64, arm64 and armv7 prebuilds, and the foreign ones
# load under qemu-user), the core's driver-free unit tests on the arm64 and
# armv7 prebuilds under qemu-user, then every package's lab suite inside the
# virtual lab. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
export TURBO_TELEMETRY_DISABLED=1
rm -rf reports && mkdir -p reports

status=0
echo "== unit tests (host) =="
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=reports/unit.json || status=1

echo "== core unit tests on the arm64 and armv7 prebuilds (qemu-user) =="
t0=$(date +%s)
(cd packages/core && pnpm exec vitest run --config vitest.qemu.config.ts --reporter=default \
  --reporter=json --outputFile.json=../../reports/qemu-user.json) || status=1
echo "qemu-user: $(($(date +%s) - t0)) s"

echo "== lab tests (real drivers under QEMU) =="
pnpm exec turbo run test:lab --concurrency=1 --continue || status=1

# The aarch64 lab: the arm64 prebuilds in an arm64 guest (software CPU, several times slower than
# the x86 lab, so a named subset: see packages/lab/README.md, "The aarch64 lab").
# One boot per package: the lab's arm64 self-check, the exporter contract on udmabuf, the
# exporter contract on vgem and virtio-gpu with one page flip checked by screendump, and one
# V4L2 capture into imported udmabufs. exporter-heap is left out (Debian's arm64 kernel has no
# dma-heap: its suite would boot only to skip); core's unit tests run on the arm64 prebuild under
# qemu-user above (in the aarch64 lab they take 25 min: see packages/lab/README.md).
echo "== aarch64 lab tests (arm64 prebuilds, real drivers under qemu-system-aarch64) =="
if [ "$(uname -m)" = aarch64 ]; then
  echo "aarch64 lab: the lab tests above already ran in it (this host is arm64)"
elif [ -f packages/core/prebuilds/linux-arm64/node.napi.glibc.node ]; then
  { node packages/lab/bin/dmabuf-lab.js provision --arch arm64 &&
    pnpm exec turbo run test:lab:arm64 --concurrency=1 --continue --filter=@dmabuf/lab --filter=@dmabuf/exporter-udmabuf \
      --filter=@dmabuf/exporter-drm --filter=@dmabuf/interop; } || status=1
else
  echo "aarch64 lab NOT run: the build made no prebuilds/linux-arm64 (it needs g++-aarch64-linux-gnu)"
fi

node scripts/summarize.mjs reports "$status" || status=1
exit $status
