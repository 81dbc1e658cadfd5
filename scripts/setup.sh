#!/usr/bin/env bash
# Everything a fresh machine (Debian 12, node 20, npm, root) needs before the
# demo or the tests: pnpm, the workspace's dependencies, the native builds,
# and the virtual lab (QEMU, a 6.12 kernel with the real drivers, tools).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI="${CI:-}"

# Native addons build against the headers beside the running node (no download).
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

echo "setup: system packages and the virtual lab"
node packages/lab/bin/dmabuf-lab.js provision

echo "setup: workspace dependencies"
pnpm install --frozen-lockfile --reporter=append-only

echo "setup: build"
pnpm run build
