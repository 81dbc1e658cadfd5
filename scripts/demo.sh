#!/usr/bin/env bash
# Set up what the demo needs, then run it: the camera-to-display pipeline on
# this machine's camera and display, or in the virtual lab when either is
# missing (it says which). --lab forces the lab; --no-lab refuses it (exit 1
# when a camera or display is missing). Other flags go to the demo (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo "$@"
exec node apps/examples/dist/camera-to-display.js "$@"
