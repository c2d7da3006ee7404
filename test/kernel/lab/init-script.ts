/**
 * The initramfs's /init (busybox sh). It only does what every run needs —
 * mount the kernel filesystems, load the 9p stack, mount the host root
 * read-only at /host and the run's writable share — and then sources the
 * per-run script (see run-script.ts) from the share. Keeping run-specific
 * steps out of /init means one cached initramfs per kernel serves every run.
 *
 * The guest's writable scratch space is <share>/tmp (TMPDIR and HOME point
 * there); the host's /tmp stays visible read-only.
 *
 * Serial markers (parsed by guest-boot.ts):
 *   RXUIO-LAB-STAGE <text>  progress
 *   RXUIO-LAB-READY         the guest is about to start node (boot finished)
 *   RXUIO-LAB-FAIL <text>   setup failed; the guest powers off
 *   RXUIO-LAB-EXIT <code>   node exited with <code>
 */

/**
 * The kernel command-line parameter that tells /init where the run's share
 * lives on the host. The share is mounted over that same path inside the
 * host root, so host and guest name it identically; nothing is mounted over
 * the host's /tmp, which would hide projects checked out there.
 */
export const SHARE_PARAM = "rxuio_share";

/**
 * Seconds after which the guest powers itself off whatever it is doing. The
 * host kills QEMU on its own timeouts; this covers a host test process that
 * died without doing so (an orphaned QEMU still ends).
 */
export const WATCHDOG_PARAM = "rxuio_watchdog";

/** 9p mount tags the QEMU command line and /init agree on. */
export const HOST_ROOT_TAG = "hostroot";
export const SHARE_TAG = "rxuioshare";

export function initScript(): string {
  return `#!/bin/sh
# rxuio kernel lab: generic /init. Per-run steps come from run.sh on the share.
/bin/busybox --install -s /bin
export PATH=/bin
stage() { echo "RXUIO-LAB-STAGE $*"; }
fail() { echo "RXUIO-LAB-FAIL $*"; poweroff -f; sleep 10; }

mkdir -p /proc /sys /dev /host /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stage "kernel $(uname -r), loading the 9p stack"

while read -r file params; do
  insmod "/modules/$file" $params || fail "insmod $file $params"
done < /modules/order

p9="trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p -o "$p9,ro,cache=loose" ${HOST_ROOT_TAG} /host || fail "cannot mount the host root (9p tag ${HOST_ROOT_TAG})"
mount -t proc proc /host/proc || fail "mount /host/proc"
mount -t sysfs sysfs /host/sys || fail "mount /host/sys"
mount -t devtmpfs devtmpfs /host/dev || fail "mount /host/dev"
share_path=""
watchdog=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    ${SHARE_PARAM}=*) share_path="\${arg#${SHARE_PARAM}=}" ;;
    ${WATCHDOG_PARAM}=*) watchdog="\${arg#${WATCHDOG_PARAM}=}" ;;
  esac
done
if [ -n "$watchdog" ]; then
  (sleep "$watchdog"; echo "RXUIO-LAB-FAIL guest watchdog: still running after $watchdog s"; poweroff -f) &
fi
[ -n "$share_path" ] && [ -d "/host$share_path" ] || fail "no share directory (${SHARE_PARAM}=$share_path) in the host root"
mount -t 9p -o "$p9,cache=none" ${SHARE_TAG} "/host$share_path" || fail "cannot mount the run share (9p tag ${SHARE_TAG})"
share="/host$share_path"

# Helpers for run.sh.
# load_module <host path> [params...]: insmod a module from the host (.ko, .ko.xz or .ko.gz).
load_module() {
  src="/host$1"; shift
  case "$src" in
    *.xz) unxz -c "$src" > /tmp/module.ko || fail "unxz $src"; ko=/tmp/module.ko ;;
    *.gz) zcat "$src" > /tmp/module.ko || fail "zcat $src"; ko=/tmp/module.ko ;;
    *) ko="$src" ;;
  esac
  stage "insmod $src $*"
  insmod "$ko" "$@" || fail "insmod $src $* failed (see the kernel messages above)"
}
# wait_for <path> <what>: up to 10 s for a sysfs/dev node to appear.
wait_for() {
  n=0
  while [ ! -e "$1" ]; do
    n=$((n + 1)); [ $n -gt 100 ] && fail "$2: $1 did not appear"
    sleep 0.1
  done
}
# bind_uio_pci_generic "<vendor> <device>": hand a PCI id to uio_pci_generic.
bind_uio_pci_generic() {
  wait_for /sys/bus/pci/drivers/uio_pci_generic "uio_pci_generic is not loaded"
  stage "binding PCI $1 to uio_pci_generic"
  echo "$1" > /sys/bus/pci/drivers/uio_pci_generic/new_id || fail "new_id $1"
}
# run_guest <dir> <command...>: run a command in the host root (chroot) from <dir>.
run_guest() {
  dir="$1"; shift
  echo "RXUIO-LAB-READY"
  chroot /host /bin/sh -c "cd \\"\\$0\\" && exec \\"\\$@\\"" "$dir" "$@"
  echo "RXUIO-LAB-EXIT $?"
}

[ -r "$share/run.sh" ] || fail "run.sh is missing from the share"
. "$share/run.sh"
sync
poweroff -f
sleep 10
`;
}
