#!/usr/bin/env bash
# Benchmark (not a test) of LCOW image unpack: containerd's overlayfs unpack versus `layerd image
# unpack` of the same realistic image (real system files, two gzip layers) in one run, per-layer
# Apply throughput, and container scratch provisioning. Prints a Markdown table for the README
# and keeps it in WORKDIR/report.md.
#
#   scripts/bench-unpack.sh [WORKDIR]     # default /var/tmp/layerd-bench/unpack; run as root
#
# Needs what the tests need (scripts/test.sh installs it: containerd, qemu, e2fsprogs) and the
# service VM boot files (built here if missing). Settings (environment):
#   BENCH_ROUNDS=3                     unpack rounds, alternating overlayfs and layerd, cold cache each
#   BENCH_BASE=etc,usr/bin,usr/sbin,usr/share/zoneinfo,usr/lib/python3.11   first layer (dirs under /)
#   BENCH_TOP=usr/share/perl,usr/share/perl5,usr/lib/python3,usr/share/doc   second layer
#   BENCH_PREPARES=20                  Prepares timed from the cached scratch template
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/var/tmp/layerd-bench/unpack}"
case "$work" in
  "$here"|"$here"/*) echo "bench-unpack: the work directory must be outside the repository" >&2; exit 1 ;;
esac
props=(-Dbench.work="$work" -Dbench.rounds="${BENCH_ROUNDS:-3}" -Dbench.prepares="${BENCH_PREPARES:-20}")
[ -n "${BENCH_BASE:-}" ] && props+=(-Dbench.base="$BENCH_BASE")
[ -n "${BENCH_TOP:-}" ] && props+=(-Dbench.top="$BENCH_TOP")
exec "$here/scripts/bench-java.sh" io.layerd.tests.bench.UnpackBench "${props[@]}"
