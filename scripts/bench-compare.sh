#!/usr/bin/env bash
# Benchmark (not a test) of LCOW Compare (Diff.Diff): a container changed by a 1 MB and by a 1 GB
# file, diffed through the service VM for each lifetime (global: boot excluded and included;
# per-instance: a VM per Diff). Prints a Markdown table for the README and keeps it in
# WORKDIR/report.md.
#
#   scripts/bench-compare.sh [WORKDIR]    # default /var/tmp/layerd-bench/compare; run as root
#
# Settings (environment): BENCH_ROUNDS=2 (Diffs per case), BENCH_BIG_MB=1024 (the big change).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/var/tmp/layerd-bench/compare}"
case "$work" in
  "$here"|"$here"/*) echo "bench-compare: the work directory must be outside the repository" >&2; exit 1 ;;
esac
exec "$here/scripts/bench-java.sh" io.layerd.tests.bench.CompareBench -Dbench.work="$work" \
  -Dbench.rounds="${BENCH_ROUNDS:-2}" -Dbench.big.mb="${BENCH_BIG_MB:-1024}"
