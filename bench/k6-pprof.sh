#!/bin/bash
# k6 for memory diagnosis, in place of the CLI's (K6_BINARY=bench/k6-pprof.sh): the CLI's command line with
# k6's REST API and Go profiler on 127.0.0.1:6565 instead of off. Then, during the run:
#   go tool pprof -top -sample_index=inuse_space http://127.0.0.1:6565/debug/pprof/heap
# FLAT=1 also runs k6 with --no-summary --no-thresholds and without the web dashboard: nothing keeps samples
# (no summary either, so the CLI reports a failed run; only k6's memory is of interest then).
# The REST API serves setup() data: diagnosis on 127.0.0.1 only, never in normal runs.
here="$(cd "$(dirname "$0")/.." && pwd)"
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--address" ]; then
    args+=(--address 127.0.0.1:6565 --profiling-enabled)
    [ "${FLAT:-}" = 1 ] && args+=(--no-summary --no-thresholds)
    shift 2
    continue
  fi
  args+=("$1")
  shift
done
[ "${FLAT:-}" = 1 ] && export K6_WEB_DASHBOARD=false
exec "$here/.tools/bin/k6" "${args[@]}"
