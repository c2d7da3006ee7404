#!/usr/bin/env bash
# Installs the kernel lab (../../test/kernel): QEMU, the Debian kernel with its
# modules and headers, a static busybox for the initramfs, cpio, and make
# (the headers bring gcc; make builds kmod/ against them).
#
#   bash scripts/lab/setup.sh              install (apt-get update + install), as root
#   bash scripts/lab/setup.sh --if-missing do nothing when every package is present
#
# Debian/Ubuntu only (apt). The guest kernel is whatever linux-image-amd64
# installs; the harness derives its version from /boot and /lib/modules.
set -euo pipefail

packages=(qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio make)

if_missing=0
for arg in "$@"; do
  case "$arg" in
    --if-missing) if_missing=1 ;;
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "lab:setup: unknown option '$arg' (use --if-missing or --help)" >&2
      exit 2
      ;;
  esac
done

# A package counts as present only when dpkg says it is fully installed.
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ $if_missing -eq 1 && ${#missing[@]} -eq 0 ]]; then
  echo "lab:setup: kernel lab already installed (${packages[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "lab:setup: apt-get not found. The kernel lab needs a Debian-like system with: ${packages[*]}." >&2
  echo "lab:setup: install the equivalents by hand (QEMU x86_64, a kernel image with its modules and headers, static busybox, cpio)." >&2
  exit 1
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "lab:setup: missing packages: ${missing[*]:-none (reinstall requested)}" >&2
  echo "lab:setup: installing them needs root. Run: sudo npm run lab:setup" >&2
  echo "lab:setup: (or skip the kernel tests: they are reported as skipped unless RXUIO_REQUIRE_KERNEL=1)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "lab:setup: installing ${packages[*]} (missing: ${missing[*]:-none})"
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
echo "lab:setup: kernel lab installed"
