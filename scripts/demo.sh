#!/usr/bin/env bash
# The camera-to-display demo on this machine's camera and display, or in the
# virtual lab when either is missing (it says which). --lab forces the lab;
# --no-lab refuses it (exit 1 when a camera or display is missing). --help
# lists every option; a bad option exits 2 before anything is set up.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node scripts/demo.mjs "$@"
