import { HOST_ROOT_TAG, SHARE_PARAM, SHARE_TAG, WATCHDOG_PARAM } from "./init-script.js";

/**
 * The QEMU command line of a lab guest: TCG (no KVM needed), one CPU, serial
 * console on stdio, the host root shared read-only and the run's share
 * writable over virtio-9p, and a QMP socket for monitor commands.
 */
export interface QemuCommand {
  readonly kernelImage: string;
  readonly initramfs: string;
  readonly shareDir: string;
  readonly qmpSocket: string;
  /** Extra `-device` values, e.g. "edu,id=edu0" or "pci-testdev". */
  readonly devices: readonly string[];
  readonly memoryMb?: number;
  /** The guest powers itself off after this many seconds (see WATCHDOG_PARAM). */
  readonly watchdogSeconds?: number;
}

/** QEMU option values separate suboptions with commas; a literal comma is doubled. */
function optionValue(value: string): string {
  return value.replace(/,/g, ",,");
}

function kernelCommandLine(command: QemuCommand): string {
  const words = ["console=ttyS0", "quiet", "panic=-1", `${SHARE_PARAM}=${command.shareDir}`];
  if (command.watchdogSeconds !== undefined)
    words.push(`${WATCHDOG_PARAM}=${Math.ceil(command.watchdogSeconds)}`);
  return words.join(" ");
}

export function qemuArgs(command: QemuCommand): string[] {
  if (/\s/.test(command.shareDir)) {
    throw new Error(
      `the share directory "${command.shareDir}" must not contain whitespace (it goes on the kernel command line)`,
    );
  }
  return [
    ...["-M", "pc", "-cpu", "max", "-m", String(command.memoryMb ?? 1024), "-smp", "1"],
    ...["-nographic", "-no-reboot"],
    ...["-kernel", command.kernelImage, "-initrd", command.initramfs],
    // No NIC: the guest needs no network, and its option ROM (iPXE) costs boot time.
    ...["-nic", "none"],
    ...["-append", kernelCommandLine(command)],
    ...[
      "-fsdev",
      `local,id=${HOST_ROOT_TAG},path=/,security_model=none,readonly=on,multidevs=remap`,
    ],
    ...["-device", `virtio-9p-pci,fsdev=${HOST_ROOT_TAG},mount_tag=${HOST_ROOT_TAG}`],
    ...[
      "-fsdev",
      `local,id=${SHARE_TAG},path=${optionValue(command.shareDir)},security_model=none`,
    ],
    ...["-device", `virtio-9p-pci,fsdev=${SHARE_TAG},mount_tag=${SHARE_TAG}`],
    ...["-qmp", `unix:${optionValue(command.qmpSocket)},server=on,wait=off`],
    ...command.devices.flatMap((device) => ["-device", device]),
  ];
}
