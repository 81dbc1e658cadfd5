#!/usr/bin/env bash
# Set up everything, then run the main demo: the camera-to-display pipeline
# (in the virtual lab when no real camera or display is present).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm run demo
