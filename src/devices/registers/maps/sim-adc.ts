import { defineRegisters } from "../define-registers.js";

/**
 * The simulator's ADC (src/devices/sim/adc.ts). Region 0 holds these
 * registers; region 1 ("samples") is a ring of 16-bit little-endian slots in
 * IIO format `le:s12/16>>4`: sample number n (counting from 0) sits in slot
 * n % slots, so `count` doubles as the ring's head.
 */
export const simAdcRegisters = defineRegisters({
  ctrl: {
    offset: 0x00,
    access: "rw",
    fields: { run: [0, 1], mode: { bits: [1, 1], values: { perSample: 0, perWatermark: 1 } } },
  },
  status: {
    offset: 0x04,
    access: "w1c",
    volatile: true,
    fields: { dataReady: [0, 1], watermark: [1, 1], overrun: [2, 1] },
  },
  data: { offset: 0x08, access: "ro", volatile: true, description: "latest raw sample" },
  count: { offset: 0x0c, access: "ro", volatile: true, description: "samples produced (u32)" },
  watermark: { offset: 0x10, access: "rw", description: "samples per IRQ in perWatermark mode" },
  rate: { offset: 0x14, access: "ro", description: "sample rate in Hz" },
  slots: { offset: 0x18, access: "ro", description: "ring size in samples" },
});

/** Status bits (W1C). */
export const ADC_STATUS_DATA_READY = 0x1;
export const ADC_STATUS_WATERMARK = 0x2;
export const ADC_STATUS_OVERRUN = 0x4;
/** The sample format of the ring, for `decodeSample`. */
export const ADC_SAMPLE_FORMAT = "le:s12/16>>4";
