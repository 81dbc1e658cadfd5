#!/usr/bin/env bash
# What a machine (Debian 12, node 20, npm, root) needs before the demo or the
# tests — and only that:
#   bash scripts/setup.sh [test]   everything the tests need: the build tools, the cross compilers and
#                                  qemu-user with a node per foreign arch (the arm64/armv7 prebuilds and
#                                  their checks), the build, and the virtual lab (QEMU, a 6.12 kernel)
#   bash scripts/setup.sh demo [--lab|--no-lab]
#                                  the build tools and the build; the virtual lab only when the demo will
#                                  run there: --lab, or no camera or display on this machine (not with --no-lab)
#   bash scripts/setup.sh build    the build tools and the build
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI="${CI:-}"

mode="${1:-test}"
[ $# -gt 0 ] && shift
lab=auto
for a in "$@"; do
  case "$a" in
    --lab) [ "$lab" = refuse ] && lab=both || lab=force ;;
    --no-lab) [ "$lab" = force ] && lab=both || lab=refuse ;;
  esac
done
case "$mode" in
  test | demo | build) ;;
  *)
    echo "usage: bash scripts/setup.sh [test | demo [--lab|--no-lab] | build]" >&2
    exit 2
    ;;
esac
if [ "$lab" = both ]; then
  echo "setup: --lab and --no-lab contradict each other" >&2
  exit 2
fi

# Native addons build against the headers beside the running node (no download).
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"

# Long steps print one line, their whole output kept in a log file (see scripts/logged.sh).
# shellcheck source=scripts/logged.sh
source scripts/logged.sh

# Debian packages not installed yet, among "$@".
missing_debs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}
# Install Debian packages that are missing (apt-get update first when apt knows none of them).
apt_install() {
  local need
  need=$(missing_debs "$@" | tr '\n' ' ')
  [ -z "${need// /}" ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "setup: these packages are needed and this machine has no apt-get: $need" >&2
    return 1
  fi
  echo "setup: apt-get install $need"
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; then
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
}

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

# The build: a C++ compiler, make and python3 (node-gyp), the kernel's DRM uAPI
# headers (libdrm-dev on Debian; linux-libc-dev comes with g++).
build_debs="g++ make python3 libdrm-dev"
# The tests also build and check the prebuilds of the other arches: Debian's
# cross compilers (their sysroots are what qemu-user runs a foreign node on).
cross_debs=""
if [ "$mode" = test ]; then
  cross_debs="$(node --input-type=module -e "
    const { crossTargets } = await import('./packages/build-native/src/targets.js');
    console.log(crossTargets(process.arch).map((t) => t.debPackage).join(' '));") qemu-user-static"
fi
if command -v dpkg-query >/dev/null; then
  echo "setup: system packages for the build${cross_debs:+ and the cross prebuilds}"
  # shellcheck disable=SC2086
  apt_install $build_debs $cross_debs
fi

echo "setup: workspace dependencies (pnpm install)"
logged install pnpm install --frozen-lockfile --reporter=append-only

echo "setup: build (TypeScript and the native addons)"
logged build pnpm run build

if [ "$mode" = test ]; then
  echo "setup: a node for each foreign arch (runs its prebuilds under qemu-user)"
  logged foreign-node node packages/build-native/bin/dmabuf-foreign-node.js --all
fi

provision_lab() {
  echo "setup: the virtual lab ($1)"
  node packages/lab/bin/dmabuf-lab.js provision
}
case "$mode" in
  test) provision_lab "the lab suites run there" ;;
  demo)
    case "$lab" in
      force) provision_lab "--lab" ;;
      refuse) echo "setup: --no-lab: the virtual lab is not set up" ;;
      auto)
        # The demo says what this machine lacks (exit 3) or that it has both (exit 0).
        rc=0
        node apps/examples/dist/camera-to-display.js --check-devices || rc=$?
        if [ "$rc" = 0 ]; then
          echo "setup: a camera and a display are here: the demo uses them, no virtual lab needed"
        elif [ "$rc" = 3 ]; then
          provision_lab "the demo runs there: this machine lacks a camera or a display"
        else
          exit "$rc"
        fi
        ;;
    esac
    ;;
esac
