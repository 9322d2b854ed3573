#!/usr/bin/env bash
# Benchmark (not a test) of LCOW layer conversion, `layerd convert`: prints the machine and a
# Markdown table of every figure with its target and PASS/MISS, ready for the README.
#
#   scripts/bench-convert.sh [WORKDIR]        # default /var/tmp/layerd-bench; run as root
#
# It measures, in one run:
#   (a) a POSIX tar of a big tree (this machine's /usr): `cp` of the tar (plus fsync, since convert
#       fsyncs its output) versus `layerd convert` of it to a .vhd on the same disk, the JVM held to
#       a 256 MiB heap (-Xmx256m), with max RSS from /usr/bin/time -v;
#   (b) 100,000 x 1 KiB files in 1,000 directories: whole-process wall time of `layerd convert`
#       (JVM start included) and in-JVM entries/s (io.layerd.daemon.bench.ConvertBench);
#   (c) both inputs gzip'ed (level 6, gzip's default) and zstd'ed (level 3): time relative to plain;
#   (d) the --verity overhead on input (a).
# The page cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every timed step;
# where that is not allowed each step runs twice and the second (warm) run counts. The output
# says which. Inputs are kept in WORKDIR and reused by the next run (BENCH_REUSE=0 rebuilds them);
# nothing is written into the repository except the build's own target/ directories.
#
# Settings (environment):
#   BENCH_TREE=/usr            tree tarred for (a)
#   BENCH_SMALL_FILES=100000   files of (b)
#   BENCH_SMALL_DIRS=1000      directories of (b)
#   BENCH_SMALL_SIZE=1024      bytes per file of (b)
#   BENCH_HEAP=256m            -Xmx of every layerd JVM
#   BENCH_WARMUP=3 BENCH_RUNS=5  in-JVM warm-up and measured conversions of (b)
#   BENCH_REPEAT=1             rounds of all timed whole-process steps (interleaved); the table shows
#                              medians and, above 1, the range. On a noisy (virtual) disk use 3.
#   BENCH_REUSE=1              reuse inputs found in WORKDIR (0: regenerate them)
#   BENCH_JFR=0                1: also record JFR profiles of (a) and (b) and print the top frames
#   JAVA=java                  the java launcher
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/var/tmp/layerd-bench}"
tree="${BENCH_TREE:-/usr}"
small_files="${BENCH_SMALL_FILES:-100000}"
small_dirs="${BENCH_SMALL_DIRS:-1000}"
small_size="${BENCH_SMALL_SIZE:-1024}"
heap="${BENCH_HEAP:-256m}"
warmup="${BENCH_WARMUP:-3}"
runs="${BENCH_RUNS:-5}"
repeat="${BENCH_REPEAT:-1}"
reuse="${BENCH_REUSE:-1}"
jfr="${BENCH_JFR:-0}"
java="${JAVA:-java}"
jar="$here/daemon/target/layerd.jar"
started=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- tools ----

for tool in tar gzip zstd awk "$java"; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install ${tool/java/openjdk-17-jdk-headless})"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
case "$work" in
  "$here"|"$here"/*) die "the work directory must be outside the repository" ;;
esac
mkdir -p "$work"
work="$(cd "$work" && pwd)"

log "building $jar if needed"
if ! "$here/bin/layerd" --version >/dev/null; then
  (cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests package -pl daemon -am) >&2
fi
[ -f "$jar" ] || die "no $jar after the build"

# ---- page cache ----

if (sync && echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
  cache=cold
  cache_note="cold: \`sync; echo 3 > /proc/sys/vm/drop_caches\` before every timed step"
else
  cache=warm
  cache_note="warm: dropping the page cache is not allowed here, so every timed step ran twice and the second run counts"
fi
log "page cache: $cache"

# ---- helpers ----

# sec START_NS END_NS: seconds with 3 decimals
sec() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# calc EXPR: floating point with awk, e.g. calc '1/3' '%.2f'
calc() { awk "BEGIN { printf \"${2:-%.3f}\", $1 }"; }

# timed OUTPUT CMD...: runs CMD under /usr/bin/time -v after deleting OUTPUT and (cold) dropping
# the page cache. Sets T (wall seconds) and RSS (max RSS in MiB). Warm mode: twice, second counts.
timed() {
  local output=$1; shift
  local rounds=1 i t0 t1
  [ "$cache" = warm ] && rounds=2
  for ((i = 0; i < rounds; i++)); do
    rm -f "$output"
    sync
    [ "$cache" = cold ] && echo 3 > /proc/sys/vm/drop_caches
    t0=$(date +%s%N)
    if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/step.out" 2>"$work/step.err" </dev/null; then
      cat "$work/step.out" "$work/step.err" >&2
      die "failed: $*"
    fi
    t1=$(date +%s%N)
  done
  T=$(sec "$t0" "$t1")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time.txt")
}

layerd() { "$java" "-Xmx$heap" -jar "$jar" "$@"; }

# record NAME SECONDS: one more measurement of step NAME
declare -A SAMPLES
record() { SAMPLES[$1]="${SAMPLES[$1]:-} $2"; }
# median NAME / spread NAME: the median of its measurements, and " (range MIN–MAX s)" if several
median() { tr ' ' '\n' <<<"${SAMPLES[$1]}" | awk 'NF' | sort -n | awk '{ a[NR] = $1 }
  END { if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
spread() { [ "$repeat" -gt 1 ] || return 0; tr ' ' '\n' <<<"${SAMPLES[$1]}" | awk 'NF' | sort -n |
  awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf " (range %s–%s s)", lo, hi }'; }

# convert_timed NAME INPUT [FLAGS...]: cold `layerd convert`; records its time as NAME, keeps the
# highest max RSS in R_<NAME> and the output size in OUT_BYTES
convert_timed() {
  local name=$1 input=$2 prev; shift 2
  log "convert $input $*"
  timed "$work/out.vhd" "$java" "-Xmx$heap" -jar "$jar" convert -i "$input" -o "$work/out.vhd" "$@"
  grep -q '^file size:' "$work/step.out" || die "layerd convert printed no result for $input"
  OUT_BYTES=$(awk '/^file size:/ { print $3 }' "$work/step.out")
  record "$name" "$T"
  prev="R_$name"
  [ "${!prev:-0}" -ge "$RSS" ] || printf -v "R_$name" '%s' "$RSS"
  log "  $T s, max RSS $RSS MiB"
  rm -f "$work/out.vhd"
}

# bench_jvm NAME INPUT: in-JVM ConvertBench; keeps E_<NAME> (entries/s), M_<NAME> (MB/s), S_<NAME> (median s),
# H_<NAME> (peak heap occupancy, MiB), L_<NAME> (peak heap after a GC, MiB), G_<NAME> (GC ms in the measured runs)
bench_jvm() {
  local name=$1 input=$2 line
  log "ConvertBench $input ($warmup warm-up + $runs runs)"
  "$java" "-Xmx$heap" -cp "$jar" io.layerd.daemon.bench.ConvertBench --warmup "$warmup" --runs "$runs" \
      --out "$work/bench.vhd" "$input" >"$work/bench-$name.txt" 2>&1 || { cat "$work/bench-$name.txt" >&2; die "ConvertBench failed"; }
  sed 's/^/    /' "$work/bench-$name.txt" >&2
  line=$(grep '^RESULT' "$work/bench-$name.txt")
  printf -v "E_$name" '%s' "$(sed -E 's/.* entries_per_s=([0-9.]+).*/\1/' <<<"$line")"
  printf -v "M_$name" '%s' "$(sed -E 's/.* mb_per_s=([0-9.]+).*/\1/' <<<"$line")"
  printf -v "S_$name" '%s' "$(sed -E 's/.* median_s=([0-9.]+).*/\1/' <<<"$line")"
  printf -v "H_$name" '%s' "$(sed -E 's/.* peak_heap_mib=([0-9]+).*/\1/' <<<"$line")"
  printf -v "L_$name" '%s' "$(sed -E 's/.* peak_live_mib=([0-9]+).*/\1/' <<<"$line")"
  printf -v "G_$name" '%s' "$(sed -E 's/.* gc_ms=([0-9]+).*/\1/' <<<"$line")"
}

# count INPUT: sets N (entries as layerd's TarReader sees them) and B (uncompressed tar bytes)
count() {
  local line
  line=$("$java" "-Xmx$heap" -cp "$jar" io.layerd.daemon.bench.ConvertBench --count-only "$1" | grep '^RESULT')
  N=$(sed -E 's/.* entries=([0-9]+).*/\1/' <<<"$line")
  B=$(sed -E 's/.* tar_bytes=([0-9]+).*/\1/' <<<"$line")
}

# verdict VALUE OP LIMIT: PASS or MISS
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print ok ? "PASS" : "MISS" }'; }

human_bytes() { awk -v b="$1" 'BEGIN { if (b >= 1e9) printf "%.2f GB", b / 1e9; else printf "%.0f MB", b / 1e6 }'; }
thousands() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; }

# ---- inputs ----

reusable() { [ "$reuse" = 1 ] && [ -s "$1" ]; }

big="$work/$(basename "$tree").tar"
if reusable "$big" && [ "$(cat "$big.source" 2>/dev/null)" = "$tree" ]; then
  log "reusing $big ($tree)"
  tar_seconds=reused
else
  log "tar --format=posix of $tree -> $big (GNU tar's warnings about sockets or changed files are tolerated)"
  rm -f "$big" "$big.gz" "$big.zst"
  sync
  [ "$cache" = cold ] && echo 3 > /proc/sys/vm/drop_caches
  t0=$(date +%s%N)
  rc=0
  tar --format=posix -cf "$big.partial" -C "$(dirname "$tree")" "$(basename "$tree")" 2>"$work/tar.err" || rc=$?
  [ "$rc" -le 1 ] || { cat "$work/tar.err" >&2; die "tar exited with $rc"; }
  [ -s "$work/tar.err" ] && log "tar: $(wc -l <"$work/tar.err") warning(s), e.g. $(head -1 "$work/tar.err")"
  mv "$big.partial" "$big"
  echo "$tree" >"$big.source"
  tar_seconds=$(sec "$t0" "$(date +%s%N)")
fi

small="$work/small.tar"
small_key="$small_files $small_dirs $small_size"
if reusable "$small" && [ "$(cat "$work/small.tar.source" 2>/dev/null)" = "$small_key" ]; then
  log "reusing $small"
else
  log "generating $small: $small_files x $small_size B files in $small_dirs directories"
  rm -f "$small" "$small.gz" "$small.zst"
  mkdir -p "$work/gen"
  # A tiny single-file Java program writes the ustar directly (no Python needed; Java is here anyway).
  cat >"$work/gen/GenTar.java" <<'JAVA'
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** ustar of FILES files of SIZE bytes in DIRS directories under small/; contents part random, part text. */
public class GenTar {
    static final long MTIME = 1700000000L;

    public static void main(String[] a) throws IOException {
        int files = Integer.parseInt(a[1]), dirs = Integer.parseInt(a[2]), size = Integer.parseInt(a[3]);
        int perDir = (files + dirs - 1) / dirs;
        Random rnd = new Random(42);
        byte[] data = new byte[size];
        byte[] pad = new byte[512];
        try (OutputStream out = new BufferedOutputStream(new FileOutputStream(a[0]), 1 << 20)) {
            out.write(header("small/", 0755, 0, '5'));
            int f = 0;
            for (int d = 0; d < dirs && f < files; d++) {
                String dir = String.format("small/d%04d/", d);
                out.write(header(dir, 0755, 0, '5'));
                for (int k = 0; k < perDir && f < files; k++, f++) {
                    byte[] text = String.format("layerd benchmark file %06d\n", f).getBytes(StandardCharsets.US_ASCII);
                    int random = Math.min(256, size);
                    for (int i = 0; i < random; i += 8) {
                        long r = rnd.nextLong();
                        for (int j = 0; j < 8 && i + j < random; j++) data[i + j] = (byte) (r >>> (8 * j));
                    }
                    for (int i = random; i < size; i++) data[i] = text[(i - random) % text.length];
                    out.write(header(dir + String.format("f%06d", f), 0644, size, '0'));
                    out.write(data);
                    out.write(pad, 0, (512 - size % 512) % 512);
                }
            }
            out.write(new byte[1024]);
        }
    }

    static byte[] header(String name, int mode, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, String.format("%07o", mode));
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", MTIME));
        put(h, 148, "        ");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 265, "root");
        put(h, 297, "root");
        int sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
JAVA
  "$java" "$work/gen/GenTar.java" "$small.partial" "$small_files" "$small_dirs" "$small_size"
  mv "$small.partial" "$small"
  echo "$small_key" >"$work/small.tar.source"
fi

# Compressed copies: gzip (single-threaded, the slow one) in the background while zstd runs.
compress() { # compress INPUT
  local in=$1 pid=
  if ! reusable "$in.gz"; then
    log "gzip -6 $in (gzip's default level)"
    (gzip -6 -c "$in" >"$in.gz.partial" && mv "$in.gz.partial" "$in.gz") & pid=$!
  fi
  if ! reusable "$in.zst"; then
    log "zstd -3 $in"
    zstd -q -3 -T1 -f -c "$in" >"$in.zst.partial" && mv "$in.zst.partial" "$in.zst"
  fi
  if [ -n "$pid" ]; then wait "$pid"; fi
}
compress "$small"
compress "$big"

count "$big"; big_entries=$N; big_bytes=$B
count "$small"; small_entries=$N; small_bytes=$B
log "$(basename "$big"): $big_entries entries, $big_bytes bytes; small.tar: $small_entries entries, $small_bytes bytes"

# ---- timed whole-process steps, BENCH_REPEAT rounds ----

for ((round = 1; round <= repeat; round++)); do
  [ "$repeat" -gt 1 ] && log "round $round of $repeat"
  # (a) cp versus convert
  log "cp $big (then fsync of the copy)"
  timed "$work/copy.tar" cp "$big" "$work/copy.tar"
  record cp "$T"
  t0=$(date +%s%N); sync "$work/copy.tar"; t1=$(date +%s%N)
  record cpsync "$(calc "$T + $(sec "$t0" "$t1")")"
  rm -f "$work/copy.tar"
  log "  cp $T s, then fsync $(sec "$t0" "$t1") s"
  convert_timed big "$big"; big_out=$OUT_BYTES
  # (d)
  convert_timed bigv "$big" --verity
  # (c)
  convert_timed biggz "$big.gz"
  convert_timed bigzst "$big.zst"
  # (b) many small files
  convert_timed small "$small"
  log "convert $small again without dropping the cache (warm, for reference)"
  rm -f "$work/out.vhd"; sync
  t0=$(date +%s%N)
  layerd convert -i "$small" -o "$work/out.vhd" >/dev/null 2>&1
  record smallwarm "$(sec "$t0" "$(date +%s%N)")"
  rm -f "$work/out.vhd"
  convert_timed smallgz "$small.gz"
  convert_timed smallzst "$small.zst"
done
cp_plain=$(median cp); cp_sync=$(median cpsync); small_warm=$(median smallwarm)
for step in big bigv biggz bigzst small smallgz smallzst; do
  printf -v "C_$step" '%s' "$(median "$step")"
done

bench_jvm small "$small"
bench_jvm smallgz "$small.gz"
bench_jvm smallzst "$small.zst"
rm -f "$work/bench.vhd" "$work/time.txt" "$work/step.out" "$work/step.err"

# ---- optional profiles ----

profile() { # profile NAME INPUT WARMUP RUNS: top frames of the samples taken inside LayerVhdWriter.write
  local name=$1 input=$2 f="$work/profile-$1.jfr"
  log "JFR profile of ConvertBench $input -> $f"
  "$java" "-Xmx$heap" "-XX:StartFlightRecording=filename=$f,settings=profile" -cp "$jar" \
      io.layerd.daemon.bench.ConvertBench --warmup "$3" --runs "$4" --out "$work/bench.vhd" "$input" >/dev/null 2>&1
  for ev in jdk.ExecutionSample jdk.NativeMethodSample; do
    echo "#### $name: $ev, top frames (share of the samples within LayerVhdWriter.write)"
    jfr print --stack-depth 64 --events "$ev" "$f" | awk '
      /stackTrace = \[/ { in_st = 1; top = ""; keep = 0; next }
      in_st && /^[ \t]*\]/ { in_st = 0; if (keep && top != "") { c[top]++; n++ } next }
      in_st { l = $0; sub(/^[ \t]+/, "", l); sub(/[ \t]+line:.*/, "", l); if (top == "") top = l; if (l ~ /LayerVhdWriter\.write/) keep = 1 }
      END { for (k in c) printf "%6.1f%%  %s\n", 100 * c[k] / n, k; printf "%6d   samples\n", n }' | sort -rn | head -16
  done
}
profiles=
if [ "$jfr" = 1 ]; then
  profiles="$(profile big "$big" 0 1; profile small "$small" 3 5)"
  rm -f "$work/bench.vhd"
fi

# ---- report ----

cpu=$(awk -F': +' '/^Model name/ { print $2; exit }' < <(lscpu))
hyp=$(awk -F': +' '/^Hypervisor vendor/ { print $2; exit }' < <(lscpu))
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
src=$(findmnt -no SOURCE -T "$work" | head -1)
fstype=$(findmnt -no FSTYPE -T "$work" | head -1)
disk_dev=$(lsblk -no PKNAME "$src" 2>/dev/null | head -1); [ -n "$disk_dev" ] || disk_dev=$(basename "$src")
rota=$(cat "/sys/block/$disk_dev/queue/rotational" 2>/dev/null || echo "?")
disk_model=$(lsblk -dno MODEL "/dev/$disk_dev" 2>/dev/null | sed 's/ *$//' || true)
disk_size=$(lsblk -dno SIZE "/dev/$disk_dev" 2>/dev/null | tr -d ' ' || true)
disk_driver=$(basename "$(readlink -f "/sys/block/$disk_dev/device/driver" 2>/dev/null)" 2>/dev/null || true)
case "$disk_driver" in
  virtio*) disk_kind="$disk_driver (virtual disk)" ;;
  *) disk_kind=$( [ "$rota" = 0 ] && echo "non-rotational" || echo "rotational=$rota") ;;
esac
jv=$("$java" -version 2>&1 | sed -n 2p)

ratio_a=$(calc "$C_big / $cp_sync" '%.2f')
ratio_a_plain=$(calc "$C_big / $cp_plain" '%.2f')
verity_pct=$(calc "100 * ($C_bigv - $C_big) / $C_big" '%+.1f')
r_biggz=$(calc "$C_biggz / $C_big" '%.2f'); r_bigzst=$(calc "$C_bigzst / $C_big" '%.2f')
r_smallgz=$(calc "$C_smallgz / $C_small" '%.2f'); r_smallzst=$(calc "$C_smallzst / $C_small" '%.2f')
r_jgz=$(calc "$S_smallgz / $S_small" '%.2f'); r_jzst=$(calc "$S_smallzst / $S_small" '%.2f')
heap_mib=$(awk -v h="$heap" 'BEGIN { n = h + 0; u = tolower(substr(h, length(h))); print (u == "g") ? n * 1024 : (u == "k") ? n / 1024 : n }')
heap_ok=$(verdict "$L_small" "<=" "$heap_mib")
mbps() { calc "$1 / $2 / 1e6" '%.0f'; }
total=$(( $(date +%s) - started ))
size_of() { human_bytes "$(stat -c %s "$1")"; }

report() {
cat <<EOF
### Conversion benchmark (\`scripts/bench-convert.sh\`, $(date -u +%Y-%m-%d))

- CPU: $cpu${hyp:+ ($hyp guest)}, $(nproc) cores; RAM $mem
- Disk: $src${disk_model:+ ($disk_model)}, $disk_size, $disk_kind, $fstype; inputs and outputs both in \`$work\`
- Kernel $(uname -r); $jv; $(tar --version | head -1); gzip $(gzip --version | head -1 | awk '{print $2}'); $(zstd --version | sed 's/ \*\*\*//g; s/,.*//; s/^\*\*\* //')
- Gzip inflater: $(dpkg-query -W -f='ISA-L (libisal2 ${Version})' libisal2 2>/dev/null | grep . || echo "the JDK's zlib (libisal2 not installed)")
- Page cache: $cache_note
- Rounds: $( [ "$repeat" -gt 1 ] && echo "$repeat rounds of every whole-process step, interleaved; medians, with the range where it matters" || echo "one measurement per step (BENCH_REPEAT=1); on this kind of disk repeat runs can differ by ±30 %" )
- Every layerd JVM: \`java -Xmx$heap\`, default GC; wall times of whole processes (JVM start included) unless "in-JVM"
- (a) input: \`tar --format=posix -C / $(basename "$tree")\` of this machine's \`$tree\`: $(human_bytes "$big_bytes"), $(thousands "$big_entries") entries; gzip -6 $(size_of "$big.gz"), zstd -3 $(size_of "$big.zst")
- (b) input: ustar of $(thousands "$small_files") files × $small_size B in $(thousands "$small_dirs") directories: $(human_bytes "$small_bytes"), $(thousands "$small_entries") entries; gzip -6 $(size_of "$small.gz"), zstd -3 $(size_of "$small.zst"); in-JVM = \`ConvertBench\`, median of $runs runs after $warmup warm-up runs in one JVM, output deleted between runs

| | Measurement | Result | Target | Status |
|---|---|---:|---:|---|
| a | \`cp\` of the tar, plus \`sync\` (fsync) of the copy | ${cp_sync} s ($(mbps "$big_bytes" "$cp_sync") MB/s)$(spread cpsync) | | |
| a | \`cp\` of the tar alone (copy not yet on disk) | ${cp_plain} s | | |
| a | \`layerd convert\` of the tar (output fsync'ed; $(human_bytes "$big_out") .vhd) | ${C_big} s ($(mbps "$big_bytes" "$C_big") MB/s)$(spread big) | | |
| a | **convert / (cp + fsync)** | **${ratio_a}×** | ≤ 1.1× | $(verdict "$ratio_a" "<=" 1.1) |
| a | convert / cp alone (for reference) | ${ratio_a_plain}× | | |
| a | heap: convert completes with \`-Xmx$heap\` (max RSS of the process) | yes (RSS ${R_big} MiB) | heap ≤ 256 MB | $( [ "$heap_mib" -le 256 ] && echo PASS || echo "MISS (heap $heap)" ) |
| b | \`layerd convert\`, whole process | **${C_small} s**$(spread small) | ≤ 1.5 s | $(verdict "$C_small" "<=" 1.5) |
| b | same, warm page cache (for reference) | ${small_warm} s | | |
| b | in-JVM conversion rate | **$(thousands "${E_small%.*}") entries/s** ($(calc "$M_small" '%.0f') MB/s, ${S_small} s a run) | ≥ 100,000/s | $(verdict "$E_small" ">=" 100000) |
| b | in-JVM heap: peak occupancy / peak after a GC (GC time of the $runs runs) | ${H_small} / ${L_small} MiB (${G_small} ms) | ≤ ${heap_mib} MiB | $heap_ok |
| c | (a) gzip -6 / plain | ${r_biggz}× (${C_biggz} s$(spread biggz | sed 's/^ (/; /; s/)$//')) | ≤ 1.3× | $(verdict "$r_biggz" "<=" 1.3) |
| c | (a) zstd -3 / plain | ${r_bigzst}× (${C_bigzst} s$(spread bigzst | sed 's/^ (/; /; s/)$//')) | ≤ 1.3× | $(verdict "$r_bigzst" "<=" 1.3) |
| c | (b) gzip -6 / plain, whole process | ${r_smallgz}× (${C_smallgz} s) | ≤ 1.3× | $(verdict "$r_smallgz" "<=" 1.3) |
| c | (b) zstd -3 / plain, whole process | ${r_smallzst}× (${C_smallzst} s) | ≤ 1.3× | $(verdict "$r_smallzst" "<=" 1.3) |
| c | (b) gzip -6 / plain, in-JVM | ${r_jgz}× ($(thousands "${E_smallgz%.*}") entries/s) | ≤ 1.3× | $(verdict "$r_jgz" "<=" 1.3) |
| c | (b) zstd -3 / plain, in-JVM | ${r_jzst}× ($(thousands "${E_smallzst%.*}") entries/s) | ≤ 1.3× | $(verdict "$r_jzst" "<=" 1.3) |
| d | \`--verity\` on (a) | ${verity_pct} % (${C_bigv} s$(spread bigv | sed 's/^ (/; /; s/)$//')) | ≤ +15 % | $(verdict "$verity_pct" "<=" 15) |

Input preparation: tar of \`$tree\` ${tar_seconds}$( [ "$tar_seconds" = reused ] || echo " s"); whole benchmark ${total} s. Inputs kept in \`$work\` for the next run (\`rm -rf $work\` frees $(du -sh "$work" | cut -f1)).
EOF
if [ -n "$profiles" ]; then
  printf '\n<details><summary>JFR top frames (ConvertBench)</summary>\n\n```\n%s\n```\n</details>\n' "$profiles"
fi
}
report | tee "$work/report.md"
log "report also in $work/report.md"
