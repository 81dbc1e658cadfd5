# shellcheck shell=bash
# `logged NAME command...`: run a long setup step printing one line. Its whole
# output (pnpm, node-gyp, the compilers) goes to $log_dir/setup-NAME.log; when
# it fails, the end of that log is shown and setup exits with the step's code.
# DMABUF_SETUP_VERBOSE=1 shows the output as it comes instead.
log_dir="${DMABUF_SETUP_LOGS:-${XDG_CACHE_HOME:-$HOME/.cache}/dmabuf-js}"
mkdir -p "$log_dir"
logged() {
  local name=$1 rc=0 t0
  local log="$log_dir/setup-$name.log"
  shift
  t0=$(date +%s)
  if [ "${DMABUF_SETUP_VERBOSE:-}" = 1 ]; then
    "$@" || rc=$?
  else
    "$@" >"$log" 2>&1 </dev/null || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    echo "setup: $name failed (exit $rc)" >&2
    if [ "${DMABUF_SETUP_VERBOSE:-}" != 1 ]; then
      echo "setup: the last lines of $log:" >&2
      tail -n 40 "$log" | sed 's/^/  /' >&2
    fi
    exit "$rc"
  fi
  if [ "${DMABUF_SETUP_VERBOSE:-}" = 1 ]; then
    echo "setup: $name done in $(($(date +%s) - t0)) s"
  else
    echo "setup: $name done in $(($(date +%s) - t0)) s (log: $log)"
  fi
}
