import { describe, expect, it } from "vitest";
import type { RxuioError } from "../../src/errors.js";
import { NativePorts } from "../../src/native/ports.js";
import { expectCode } from "./scratch.js";

const x86 = process.arch === "x64" || process.arch === "ia32";
const root = process.getuid?.() === 0;

/**
 * Opening a port range, the one call that may really change privilege, is
 * harmless by itself (ioperm edits this thread's permission bitmap); no test
 * here performs in/out on the host, whose port 0x80 may belong to firmware.
 * The kernel lab does real port I/O against pci-testdev.
 */
function tryOpen(start: number, size: number): NativePorts | RxuioError {
  try {
    return NativePorts.open(start, size);
  } catch (err) {
    return err as RxuioError;
  }
}

describe("NativePorts", () => {
  it("validates the range before asking the kernel", () => {
    expectCode(() => NativePorts.open(0x10000, 1), "ERANGE");
    expectCode(() => NativePorts.open(0xfff0, 0x20), "ERANGE");
    expectCode(() => NativePorts.open(-1, 1), "ERANGE");
    expectCode(() => NativePorts.open(0x80, 0), "ERANGE");
    expectCode(() => NativePorts.open(1.5, 1), "EINVAL");
    expectCode(() => NativePorts.open("0x80" as unknown as number, 1), "EINVAL");
  });

  it("opens a range or refuses it with the code and hint this machine calls for", () => {
    const result = tryOpen(0x80, 1);
    if (result instanceof NativePorts) {
      // Only possible with privilege, on x86, with a kernel that has ioperm().
      expect(x86 && root).toBe(true);
      expect(result.start).toBe(0x80);
      expect(result.size).toBe(1);
      result.close();
      return;
    }
    if (!x86) {
      expect(result.code).toBe("ENOSYS");
      expect(result.message).toMatch(/needs x86/);
    } else if (!root) {
      expect(result.code).toBe("EACCES");
      expect(result.message).toMatch(/root or CAP_SYS_RAWIO/);
    } else {
      // Root on x86 is refused only by a kernel built without ioperm()
      // (CONFIG_X86_IOPL_IOPERM unset), as on some microVMs.
      expect(result.code).toBe("ENOSYS");
      expect(result.errno).toBe("ENOSYS");
      expect(result.syscall).toBe("ioperm");
      expect(result.message).toMatch(/CONFIG_X86_IOPL_IOPERM/);
    }
  });

  it("checks offsets and values, and is ECLOSED after close, where ports can be opened", () => {
    const ports = tryOpen(0x80, 2);
    if (!(ports instanceof NativePorts)) {
      // The refusal itself is covered above; nothing else is reachable here.
      expect(["ENOSYS", "EACCES"]).toContain(ports.code);
      return;
    }
    expectCode(() => ports.inb(2), "ERANGE");
    expectCode(() => ports.inw(1), "ERANGE");
    expectCode(() => ports.inl(0), "ERANGE");
    expectCode(() => ports.outb(-1, 0), "ERANGE");
    expectCode(() => ports.outb(0, 256), "ERANGE");
    expectCode(() => ports.outw(0, 1.5), "EINVAL");
    ports.close();
    ports.close();
    expect(ports.closed).toBe(true);
    for (const call of [
      () => ports.inb(0),
      () => ports.inw(0),
      () => ports.inl(0),
      () => ports.outb(0, 0),
      () => ports.outw(0, 0),
      () => ports.outl(0, 0),
    ]) {
      expectCode(call, "ECLOSED");
    }
  });
});
