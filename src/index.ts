// The public API. This file only re-exports; nothing is defined here.
export * from "./errors.js";
export type * from "./devices/backend.js";
export * from "./devices/sysfs/info.js";
export * from "./devices/sysfs/discovery.js";
export * from "./devices/uio-device.js";
export type * from "./devices/uio-io.js";
export type { UioEventSource } from "./devices/uio-event-source.js";
export type { IrqControlChoice } from "./devices/irq/strategy.js";

// Register maps.
export * from "./devices/registers/define-registers.js";
export type * from "./devices/registers/register-spec.js";
export type * from "./devices/registers/bound-register.js";
export * from "./devices/registers/maps/edu.js";
export * from "./devices/registers/maps/sim-adc.js";

// The simulator.
export * from "./devices/sim/simulate.js";
export type * from "./devices/sim/behaviour.js";
export * from "./devices/sim/edu.js";
export * from "./devices/sim/adc.js";
export * from "./devices/sim/register-file.js";
export type { IrqTrigger, IrqLine } from "./devices/sim/irq-line.js";
export type { SimClock } from "./devices/sim/sim-clock.js";
export type { SimEventSource } from "./devices/sim/sim-event-source.js";
export type { SimSampling } from "./devices/sim/sim-sampling.js";
export type { UioSampling } from "./devices/uio-sampling.js";
export type { MemoryRegion } from "./devices/sim/memory-region.js";

// Streams: sources, sinks, operators, interop.
export * from "./streams/sources/interrupts.js";
export * from "./streams/sources/sigio.js";
export * from "./streams/sources/on-interrupt.js";
export * from "./streams/sources/serviced.js";
export * from "./streams/sources/poll.js";
export * from "./streams/sources/sample.js";
export { nativeSampling } from "./native/sampler.js";
export * from "./streams/sinks/irq-control.js";
export * from "./streams/sinks/register-sink.js";
export type { Sink } from "./streams/sinks/sink.js";
export * from "./streams/operators/field.js";
export * from "./streams/operators/changes.js";
export * from "./streams/operators/edge.js";
export * from "./streams/operators/ack.js";
export * from "./streams/operators/rearm.js";
export * from "./streams/operators/rate.js";
export * from "./streams/operators/watermark.js";
export * from "./streams/operators/decode-sample.js";
export * from "./streams/sample-format.js";
export * from "./streams/to-async-iterable.js";
export * from "./streams/until-closed.js";
export * from "./streams/until-aborted.js";

// Example drivers.
export * from "./drivers/edu.js";
export * from "./drivers/adc-acquisition.js";
