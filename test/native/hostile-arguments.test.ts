import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RxuioError, type ErrorCode } from "../../src/errors.js";
import { NativeEventFd } from "../../src/native/event-fd.js";
import { NativePorts } from "../../src/native/ports.js";
import { NativeRegion } from "../../src/native/region.js";
import { scratchDir, scratchFifo, scratchFile } from "./scratch.js";

/**
 * Any JS value, in any argument position, must give either a result or an
 * RxuioError with one of the argument codes: never a crash, a plain
 * TypeError, or an access outside the mapping.
 */
const ARGUMENT_CODES: readonly ErrorCode[] = ["EINVAL", "ERANGE", "EALIGN", "EACCES", "ECLOSED"];

/** Values near the edges of every check, plus arbitrary ones. */
const hostile = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    -1,
    -0,
    0.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 64,
    Number.NaN,
    Infinity,
    -Infinity,
    -(2n ** 63n),
    2n ** 64n,
    -1n,
    "0",
    null,
    undefined,
    {},
    [],
    new Uint16Array(2),
    Buffer.alloc(3),
  ),
  fc.integer({ min: -16, max: 80 }),
  fc.bigInt(),
);

function outcome(call: () => unknown): "ok" | ErrorCode {
  try {
    call();
    return "ok";
  } catch (err) {
    expect(err).toBeInstanceOf(RxuioError);
    const code = (err as RxuioError).code;
    expect(ARGUMENT_CODES).toContain(code);
    return code;
  }
}

describe("hostile arguments", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let region: NativeRegion;
  let readOnly: NativeRegion;

  beforeAll(() => {
    scratch = scratchDir();
    const file = scratchFile(scratch.dir, "mem", new Uint8Array(4096));
    region = NativeRegion.open(file, { index: 0, fileOffset: 0, inPageOffset: 4, length: 64 });
    readOnly = NativeRegion.open(file, { index: 0, fileOffset: 0, inPageOffset: 0, length: 64, writable: false });
  });

  afterAll(() => {
    region.close();
    readOnly.close();
    scratch.remove();
  });

  it("never get past the region's checks", () => {
    const methods = [
      "read8",
      "read16",
      "read32",
      "read64",
      "write8",
      "write16",
      "write32",
      "write64",
      "readBlock",
      "writeBlock",
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...methods), fc.boolean(), hostile, hostile, (method, ro, a, b) => {
        const target = ro ? readOnly : region;
        const call = target[method] as (x: unknown, y: unknown) => unknown;
        outcome(() => call.call(target, a, b));
      }),
      { numRuns: 3000 },
    );
    // The mapping is still intact and usable afterwards.
    region.write32(0, 0x01020304);
    expect(region.read32(0)).toBe(0x01020304);
  });

  it("never get past the region's opening checks", () => {
    const file = `${scratch.dir}/mem`;
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (fileOffset, inPageOffset, length, writable) => {
        const result = outcome(() =>
          NativeRegion.open(file, {
            index: 0,
            fileOffset: fileOffset as number,
            inPageOffset: inPageOffset as number,
            length: length as number,
            writable: writable as boolean,
          }).close(),
        );
        expect(result).not.toBe("EALIGN");
      }),
      { numRuns: 500 },
    );
  });

  it("never get past the event fd's and port range's checks", () => {
    const fifo = scratchFifo(scratch.dir);
    const events = NativeEventFd.open(fifo);
    try {
      fc.assert(
        fc.property(hostile, (value) => {
          outcome(() => events.write(value as number));
          // Drain what a successful write queued, so the FIFO never fills.
          while (events.read() !== undefined);
          outcome(() => NativeEventFd.open(fifo, { baseline: value as number }).close());
          outcome(() => events.watch(() => {}, () => {}, { snapshot: [value as never] }));
          expect(events.watching).toBe(false);
          // Ports: ranges are checked before ioperm, so refusals other than the
          // machine's own (ENOSYS/EACCES, covered in ports.test.ts) are argument codes.
          try {
            NativePorts.open(value as number, 1).close();
          } catch (err) {
            expect(err).toBeInstanceOf(RxuioError);
            expect([...ARGUMENT_CODES, "ENOSYS"]).toContain((err as RxuioError).code);
          }
        }),
        { numRuns: 500 },
      );
    } finally {
      events.close();
    }
  });
});
