#!/usr/bin/env bash
# Installs every system package the tests need (Debian/Ubuntu, apt-get) and runs all tests:
# unit tests, contract suites, process tests and the integration tests against real
# containerd. Runs as root (containerd needs it); uses sudo when started as another user.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  openjdk-17-jdk-headless # javac, java
  maven                   # the build
  containerd              # containerd + ctr for the proxy-plugin integration test
  e2fsprogs               # e2fsck/debugfs/mke2fs: every ext4 image is checked
  tar                     # GNU tar: builds and extracts the reference corpora
  qemu-utils              # qemu-img/qemu-io: VHD and VHDX interoperability
  cryptsetup-bin          # veritysetup: dm-verity trees
  qemu-system-x86         # the Linux service VM (KVM or TCG)
  kmod                    # depmod: module dependencies of the service VM's kernel
  attr                    # getfattr: xattrs of unpacked image trees
  ntfs-3g                 # mkntfs: NTFS-formatted scratch disks of cimfs containers
  gcc                     # builds the recorder library the CimFS/offreg JNA binding tests load
  libc6-dev               # C headers and startup files for that build
  libisal2                # ISA-L: the fast gzip inflate layerd uses when installed
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$here"
if [ "$(id -u)" -eq 0 ]; then
  exec mvn -B verify "$@"
else
  exec sudo -E mvn -B verify "$@"
fi
