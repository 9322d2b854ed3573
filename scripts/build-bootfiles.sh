#!/usr/bin/env bash
# Builds the Linux service VM's boot files, LinuxBootFiles/{kernel,initrd.img}, from Debian
# packages (downloaded with `apt-get download`, never installed) and layerd's guest agent jar:
#
#   scripts/build-bootfiles.sh [--agent JAR] [--out DIR]
#     --agent  the guest agent jar (default servicevm/target/layerd-guest-agent.jar)
#     --out    output directory (default $LAYERD_BOOTFILES or /var/cache/layerd/LinuxBootFiles)
#
# The initrd holds: the kernel modules the VM needs (virtio, virtio-scsi, SCSI disk, ext4,
# overlay, loop, dm-verity, and Hyper-V's hv_vmbus, hv_storvsc, hv_sock, hv_utils so the same
# files boot on Hyper-V), busybox, e2fsprogs (mke2fs, e2fsck, resize2fs, debugfs) with their
# libraries, a jlink'ed Java runtime (java.base, java.logging, jdk.unsupported), the agent jar,
# and /init. The kernel is the package's vmlinuz. Nothing is rebuilt when no input changed (the
# package versions, the agent jar, this script, the JDK); either way the sizes are reported.
# Downloads are cached in $LAYERD_CACHE (default /var/cache/layerd). Needs: apt-get, dpkg-deb,
# depmod (kmod), jlink (openjdk-17-jdk-headless), gzip, sha256sum.
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
agent="$here/servicevm/target/layerd-guest-agent.jar"
out="${LAYERD_BOOTFILES:-/var/cache/layerd/LinuxBootFiles}"
cache="${LAYERD_CACHE:-/var/cache/layerd}"
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) agent="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build-bootfiles: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { printf 'build-bootfiles: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
report() {
  log "$out: kernel $(stat -c %s "$out/kernel") bytes, initrd.img $(stat -c %s "$out/initrd.img") bytes ($1)"
}

[ -f "$agent" ] || die "no guest agent jar at $agent (build it with: mvn -pl servicevm -am package -DskipTests)"
for tool in apt-get apt-cache dpkg-deb depmod jlink gzip sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install apt dpkg kmod openjdk-17-jdk-headless gzip coreutils)"
done

# Package lists may be empty on a fresh machine.
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
kpkg="$(kernel_pkg)"
if [ -z "$kpkg" ]; then
  log "apt-get update (no package lists yet)"
  apt-get update -qq
  kpkg="$(kernel_pkg)"
fi
[ -n "$kpkg" ] || die "no linux-image-*-amd64 package is known to apt"

# The kernel plus busybox and e2fsprogs with every library they and the Java runtime link.
packages=("$kpkg" busybox-static e2fsprogs libext2fs2 libcom-err2 libss2 libblkid1 libuuid1 libc6 libgcc-s1 libstdc++6 zlib1g)
versions="$(for p in "${packages[@]}"; do printf '%s %s\n' "$p" "$(apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')"; done)"
grep -q '(none)' <<<"$versions" && die "a package has no installable version: $(grep '(none)' <<<"$versions" | tr '\n' ' ')"
key="$( { printf '%s\n' "$versions"; sha256sum "$agent" | cut -d' ' -f1; sha256sum "$0" | cut -d' ' -f1;
          java -version 2>&1 | head -1; } | sha256sum | cut -d' ' -f1)"
if [ -f "$out/inputs.sha256" ] && [ "$(cat "$out/inputs.sha256")" = "$key" ] && [ -f "$out/kernel" ] && [ -f "$out/initrd.img" ]; then
  report "up to date"
  exit 0
fi

mkdir -p "$cache/debs"
chmod 0755 "$cache"
work="$(mktemp -d "${TMPDIR:-/tmp}/layerd-bootfiles.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "downloading ${packages[*]}"
(
  cd "$cache/debs"
  # apt's sandbox user must be able to write here; downloads already present are reused.
  apt-get download -qq -o APT::Sandbox::User=root "${packages[@]}" >/dev/null
)
root="$work/root"
mkdir -p "$root"
for p in "${packages[@]}"; do
  v="$(awk -v p="$p" '$1 == p { print $2 }' <<<"$versions")"
  deb="$(ls "$cache/debs/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1)"
  [ -n "$deb" ] || die "download of $p $v did not produce a .deb in $cache/debs"
  dpkg-deb -x "$deb" "$root"
done
kver="$(ls "$root/lib/modules")"
depmod -b "$root" "$kver" # the package's postinst would do this

# ---- modules: the closure of what the VM needs, in load order (dependencies first) ----
module_closure() {
  local md="$root/lib/modules/$kver"
  awk -v want="$*" '
    function norm(s) { gsub("-", "_", s); return s }
    function base(p,   a, n, s) { n = split(p, a, "/"); s = a[n]; sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", s); return norm(s) }
    FNR == NR { builtin[base($0)] = 1; next }
    { sub(":", "", $1); m = base($1); path[m] = $1; deps[m] = ""; for (i = 2; i <= NF; i++) deps[m] = deps[m] " " base($i) }
    END { n = split(want, w, " "); for (i = 1; i <= n; i++) visit(norm(w[i])) }
    function visit(m,   d, k, i) {
      if (m in seen) return; seen[m] = 1
      if (m in builtin) return
      if (!(m in path)) { print "missing module " m > "/dev/stderr"; exit 1 }
      k = split(deps[m], d, " ")
      for (i = k; i >= 1; i--) visit(d[i])   # modules.dep lists the deepest dependency last
      print path[m]
    }' "$md/modules.builtin" "$md/modules.dep"
}
stage="$work/initrd"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,run,mnt,lib/modules,lib64,lib/x86_64-linux-gnu,opt/layerd}
module_closure virtio_pci virtio_scsi virtio_console virtio_rng sd_mod ext4 crc32c_generic overlay loop dm_verity \
  > "$stage/lib/modules/virtio.list"
module_closure hv_vmbus hv_storvsc hv_utils hv_sock sd_mod ext4 crc32c_generic overlay loop dm_verity \
  > "$stage/lib/modules/hyperv.list"
sort -u "$stage/lib/modules/virtio.list" "$stage/lib/modules/hyperv.list" | while read -r m; do
  mkdir -p "$stage/lib/modules/$(dirname "$m")"
  cp "$root/lib/modules/$kver/$m" "$stage/lib/modules/$m"
done

# ---- programs and libraries ----
cp "$root/bin/busybox" "$stage/bin/busybox"
for b in mke2fs e2fsck resize2fs debugfs; do cp "$root/sbin/$b" "$stage/sbin/$b"; done
cp "$root/etc/mke2fs.conf" "$stage/etc/mke2fs.conf"
for lib in libext2fs.so.2 libe2p.so.2 libcom_err.so.2 libss.so.2 libblkid.so.1 libuuid.so.1 libc.so.6 libm.so.6 \
           libgcc_s.so.1 libstdc++.so.6 libz.so.1 libpthread.so.0 libdl.so.2 librt.so.1; do
  src="$(find "$root/lib/x86_64-linux-gnu" "$root/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name "$lib" 2>/dev/null | head -1)"
  [ -n "$src" ] || die "library $lib is in none of the packages"
  cp -L "$src" "$stage/lib/x86_64-linux-gnu/$lib"
done
cp -L "$root/lib64/ld-linux-x86-64.so.2" "$stage/lib64/ld-linux-x86-64.so.2"

log "jlink: java.base, java.logging, jdk.unsupported"
jlink --add-modules java.base,java.logging,jdk.unsupported --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$stage/opt/jre"
cp "$agent" "$stage/opt/layerd/agent.jar"

cat > "$stage/init" <<'INIT'
#!/bin/busybox sh
# layerd service VM init: mount the basics, load the modules of this hypervisor, run the agent.
/bin/busybox --install -s
mount -t proc proc /proc
echo "layerd-init: started $(cut -d' ' -f1 /proc/uptime)"
grep -q 'layerd.probe=1' /proc/cmdline && poweroff -f
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
# Hyper-V when VMBus answers, else virtio (QEMU).
if insmod /lib/modules/kernel/drivers/hv/hv_vmbus.ko 2>/dev/null; then list=hyperv; else list=virtio; fi
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done < "/lib/modules/$list.list"
echo "layerd-init: $list modules loaded at $(cut -d' ' -f1 /proc/uptime) s"
export PATH=/sbin:/bin
/opt/jre/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k \
  -Djna.tmpdir=/tmp -cp /opt/layerd/agent.jar io.layerd.servicevm.agent.GuestAgent
echo "layerd-init: the agent exited with status $?; powering off"
sync
poweroff -f
INIT
chmod 0755 "$stage/init"

log "packing initrd ($(du -sh "$stage" | cut -f1) unpacked)"
mkdir -p "$(dirname "$out")"
tmp_out="$(mktemp -d "$(dirname "$out")/.LinuxBootFiles.XXXXXX")"
(cd "$stage" && find . | sort | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -6 > "$tmp_out/initrd.img"
cp "$root/boot/vmlinuz-$kver" "$tmp_out/kernel"
printf '%s\n' "$key" > "$tmp_out/inputs.sha256"
printf '%s\n' "$versions" > "$tmp_out/packages.txt"
chmod 0755 "$tmp_out"
rm -rf "$out.old"
[ -d "$out" ] && mv "$out" "$out.old"
mv "$tmp_out" "$out"
rm -rf "$out.old"
report "built from $kpkg"
