#!/usr/bin/env bash
# Runs a benchmark main class of the tests module (io.layerd.tests.bench.*) with the test
# classpath, after building layerd; the service VM boot files are built if missing. Used by the
# bench-*.sh scripts:  scripts/bench-java.sh CLASS [-Dname=value ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
class="$1"; shift
[ "$(id -u)" = 0 ] || { echo "bench: containerd and the service VM need root" >&2; exit 1; }
if [ ! -f /var/cache/layerd/LinuxBootFiles/kernel ] || [ ! -f /var/cache/layerd/LinuxBootFiles/initrd.img ]; then
  "$here/scripts/build-bootfiles.sh"
fi
cd "$here"
echo "[bench] building layerd and the test classes" >&2
mvn -q -B -Dstyle.color=never -DskipTests install -pl tests -am >&2
cp_file="$here/tests/target/bench-classpath.txt"
mvn -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" -pl tests >&2
exec java -Xmx1g -Dlayerd.jar="$here/daemon/target/layerd.jar" "$@" -cp "$here/tests/target/test-classes:$(cat "$cp_file")" "$class"
