#!/usr/bin/env bash
# Benchmark (not a test) of Windows layer import into a CIM: a large-file layer and a
# 100,000-small-file layer, each imported by layerd's portable CIM writer and converted by the ext4
# layer writer from the same tar, in one JVM on one disk. Prints a Markdown table for the README.
#
#   scripts/bench-cim.sh [WORKDIR]    # default /var/tmp/layerd-bench/cim; root for a cold page cache
#
# Settings (environment): BENCH_ROUNDS=3, BENCH_BIG_FILES=8, BENCH_BIG_MB=256 (the large layer),
# BENCH_SMALL_FILES=100000, BENCH_SMALL_DIRS=1000. Inputs are kept in WORKDIR for the next run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/var/tmp/layerd-bench/cim}"
case "$work" in
  "$here"|"$here"/*) echo "bench-cim: the work directory must be outside the repository" >&2; exit 1 ;;
esac
exec "$here/scripts/bench-java.sh" io.layerd.tests.bench.CimImportBench -Dbench.work="$work" \
  -Dbench.rounds="${BENCH_ROUNDS:-3}" -Dbench.big.files="${BENCH_BIG_FILES:-8}" -Dbench.big.mb="${BENCH_BIG_MB:-256}" \
  -Dbench.small.files="${BENCH_SMALL_FILES:-100000}" -Dbench.small.dirs="${BENCH_SMALL_DIRS:-1000}"
