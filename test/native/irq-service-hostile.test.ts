import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RxuioError, type ErrorCode } from "../../src/errors.js";
import { addon } from "../../src/native/binding.js";
import { fromNative } from "../../src/native/errors.js";
import { scratchDir, scratchFifo, scratchFile } from "./scratch.js";

/**
 * Any JS value in any field of a service plan must give either a running
 * service (stopped again at once) or an RxuioError with an argument code:
 * never a crash, a plain TypeError, or a register outside the mapping.
 */
const ARGUMENT_CODES: readonly ErrorCode[] = ["EINVAL", "ERANGE", "EALIGN"];

const hostile = fc.oneof(
  fc.anything(),
  fc.constantFrom(-1, 0.5, 2 ** 32, 2 ** 53, Number.NaN, Infinity, -1n, "0", null, undefined, {}, []),
  fc.integer({ min: -8, max: 4200 }),
);

describe("hostile service plans", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let fifo: string;
  let file: string;

  beforeAll(() => {
    scratch = scratchDir();
    fifo = scratchFifo(scratch.dir);
    file = scratchFile(scratch.dir, "mem", new Uint8Array(4096));
  });

  afterAll(() => scratch.remove());

  it("never get past the plan's checks", () => {
    const { IrqService } = addon();
    fc.assert(
      fc.property(
        hostile,
        hostile,
        hostile,
        hostile,
        hostile,
        hostile,
        fc.constantFrom("none", "irqcontrol", "pci-intx", "other", undefined),
        (offset, width, visible, ackValue, from, length, rearm) => {
          const plan = {
            eventPath: fifo,
            region: { path: file, fileOffset: 0, inPageOffset: 0, length },
            reads: [{ offset, width }],
            visible,
            ack: { offset, width: 32, value: ackValue, from },
            rearm,
            configPath: file,
          };
          try {
            const service = new IrqService(plan as never, () => {}, () => {});
            service.stop();
          } catch (err) {
            const failure = fromNative(err);
            expect(failure).toBeInstanceOf(RxuioError);
            expect(ARGUMENT_CODES).toContain(failure.code);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
