import { describe, expect, it } from "vitest";
import * as rxuio from "../../src/index.js";

describe("public API (streams, register maps, simulator, drivers)", () => {
  it("re-exports every source, sink, operator and helper by name", () => {
    for (const name of [
      "interrupts",
      "sigio",
      "onInterrupt",
      "poll",
      "sample",
      "nativeSampling",
      "irqControl",
      "sink",
      "field",
      "changes",
      "edge",
      "ack",
      "rearm",
      "rate",
      "watermark",
      "decodeSample",
      "toAsyncIterable",
      "defineRegisters",
      "registersFromJson",
      "simulate",
      "edu",
      "adc",
      "registerFile",
      "eduDriver",
      "adcAcquisition",
    ]) {
      expect(typeof (rxuio as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
