import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  Observable,
  concatMap,
  identity,
  type MonoTypeOperatorFunction,
  type Subscription,
} from "rxjs";
import type {
  IrqEvent,
  IrqSnapshot,
  Region,
  ServiceRunner,
  SnapshotRegister,
} from "../../src/devices/backend.js";
import { UioDevice } from "../../src/devices/uio-device.js";
import { decodeSample } from "../../src/streams/operators/decode-sample.js";
import { watermark } from "../../src/streams/operators/watermark.js";
import { interrupts } from "../../src/streams/sources/interrupts.js";
import { onInterrupt } from "../../src/streams/sources/on-interrupt.js";
import { serviced, type ServicedEvent } from "../../src/streams/sources/serviced.js";
import {
  defineGuestSuite,
  type GuestTestContext,
} from "../../test/kernel/guest/runner/guest-suite.js";
import { metric, type MetricResult } from "../metric.js";
import { median, percentile } from "../rounds.js";
import { BENCH_ENV, BENCH_LINE_PREFIX, type GuestBenchMessage } from "./guest-message.js";
import { latencyHistogram } from "./latency-histogram.js";
import { profiled } from "./guest-profile.js";
import { startTrace, tripTimeline } from "./irq-trace.js";
import { perTrip, withSyscallCounts } from "../../test/kernel/guest/syscall-count.js";
import { GcPauses } from "./gc-pauses.js";
import { WakeTrace } from "./wake-trace.js";
import {
  SAMPLER_HZ,
  cJitterRun,
  jitterMetric,
  jitterRounds,
  samplerLateness,
} from "../sampler-jitter.js";

/**
 * The kernel benchmarks, run in one guest boot (see kernel-benchmarks.ts):
 * edu behind uio_pci_generic for IRQ round trips and snapshots, and
 * kmod/uio_vadc for sustained rate and the RSS soak. Every rxuio figure
 * alternates with its C reference (bench/c/, spawned from here) in the same
 * boot. Each test prints one `RXUIO-BENCH {...}` line for the host, in
 * ASCII only: the emulated serial console has been seen to mangle UTF-8.
 */
const exec = promisify(execFile);
const cDir = process.env[BENCH_ENV.cDir] ?? "";
const quick = process.env[BENCH_ENV.quick] === "1";
const profile = process.env[BENCH_ENV.profile] === "1";
const trace = process.env[BENCH_ENV.trace] === "1";

const EDU_IRQ_RAISE = 0x60;
const EDU_IRQ_ACK = 0x64;
const EDU_IRQ_STATUS = 0x24;
/** What irq_pingpong.c reads with 4 snapshot registers: id, liveness, status, irq status. */
const EDU_SNAPSHOT: readonly SnapshotRegister[] = [0x00, 0x04, 0x20, 0x24].map((offset) => ({
  region: 0,
  offset,
  width: 32,
}));

const VADC_RATE = 0x08;
const VADC_WATERMARK = 0x0c;
const VADC_SEQ = 0x10;
/** RING_LEN: the ring's length in samples, a power of two (module parameter ring_len). */
const VADC_RING_LENGTH = 0x18;
const VADC_RING = 0x800;
const VADC_FORMAT = "le:u12/32>>4";
/**
 * Most samples per block the pipeline decodes, like an IIO buffer's
 * watermark or a DMA block: a wake-up that finds more is sliced into several
 * blocks. One block of everything a slow wake-up found (tens of thousands of
 * samples with a large ring) makes arrays too big for V8's young generation,
 * so the next wake-up is slower still and finds more: measured in the
 * guest, decoding alone fell from 300k samples/s to a standstill at 500k.
 */
const VADC_BLOCK_SAMPLES = 1024;

function send(message: GuestBenchMessage): void {
  console.log(`${BENCH_LINE_PREFIX}${JSON.stringify(message)}`);
}

async function runC(
  name: string,
  args: readonly (string | number)[],
): Promise<Record<string, unknown>> {
  const { stdout } = await exec(join(cDir, name), args.map(String), { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

function numberOf(output: Record<string, unknown>, key: string): number {
  const value = output[key];
  assert.equal(typeof value, "number", `the C reference printed "${key}"`);
  return value as number;
}

function sysfsCount(dev: UioDevice): number {
  return Number(readFileSync(join(dev.info.sysfsPath, "event"), "utf8").trim());
}

async function openDevice(t: GuestTestContext, name: string): Promise<UioDevice> {
  const dev = await UioDevice.open(name);
  t.defer(() => dev.close());
  return dev;
}

// ---------------------------------------------------------------- edu ping-pong

/**
 * Raise → wake (the subscriber) → ack → unmask, `rounds` times in a row,
 * each round trip timed from just before the raise to just after the unmask.
 */
function rxuioPingPong(
  dev: UioDevice,
  source: Observable<IrqEvent>,
  rounds: number,
): Promise<number[]> {
  const region = dev.region(0);
  const latencies: number[] = [];
  let missed = 0;
  let start = 0n;
  const raise = (): void => {
    start = process.hrtime.bigint();
    region.write32(EDU_IRQ_RAISE, 1);
  };
  return new Promise<number[]>((resolve, reject) => {
    let done = false;
    const subscription: Subscription = source.subscribe({
      next: (event) => {
        if (done) return;
        region.write32(EDU_IRQ_ACK, 1);
        dev.irq.setEnabled(true);
        latencies.push(Number(process.hrtime.bigint() - start));
        missed += event.missed;
        if (latencies.length < rounds) return raise();
        done = true;
        // Always asynchronous (a wake-up), so `subscription` is assigned by now.
        subscription.unsubscribe();
        if (missed !== 0) reject(new Error(`ping-pong missed ${missed} interrupts`));
        else resolve(latencies);
      },
      error: reject,
    });
    raise();
  });
}

/**
 * Latencies of one ping-pong (rxuio or C): the round trip, its part after the
 * wake-up, and (rxuio) when JS heard of it.
 */
interface ServicedTrips {
  /** Raise -> wake -> ack -> unmask: servicedAt - start, exactly C's timed span. */
  readonly serviced: number[];
  /**
   * Wake-up -> acked: servicedAt - time of a plan without re-arm (the service
   * thread's stamps right after poll() returned and after the ack), the span
   * C's "service" times between the same two points. The snapshot reads
   * happen in it; the wake-up before it and the unmask after it, which vary
   * by more than 4 reads cost, are not in it. Empty for other plans.
   */
  readonly service: number[];
  /** Raise -> the subscriber running (the JS delivery of the same events); empty unless asked for. */
  readonly delivered: number[];
  /** Each trip's start stamp (CLOCK_MONOTONIC ns), to place it in a trace. */
  readonly starts: number[];
}

/**
 * The round trip through serviced(): the service thread acks and unmasks
 * natively; the subscriber only records and raises the next interrupt. Both
 * clocks are CLOCK_MONOTONIC (process.hrtime and the thread's stamps).
 */
function servicedPingPong(
  dev: UioDevice,
  source: Observable<ServicedEvent>,
  rounds: number,
  rearmFromJs = false,
  stampDelivery = false,
): Promise<ServicedTrips> {
  const region = dev.region(0);
  const trips: ServicedTrips = { serviced: [], service: [], delivered: [], starts: [] };
  let missed = 0;
  let start = 0n;
  const raise = (): void => {
    start = process.hrtime.bigint();
    region.write32(EDU_IRQ_RAISE, 1);
  };
  return new Promise<ServicedTrips>((resolve, reject) => {
    let done = false;
    const subscription: Subscription = source.subscribe({
      next: (event) => {
        if (done) return;
        // Only where a figure uses it: the subscriber does no more between
        // round trips than C's loop, which stores its stamps and raises.
        if (stampDelivery) trips.delivered.push(Number(process.hrtime.bigint() - start));
        trips.serviced.push(Number(event.servicedAt - start));
        trips.starts.push(Number(start));
        if (rearmFromJs) {
          trips.service.push(Number(event.servicedAt - event.time));
          dev.irq.setEnabled(true);
        }
        missed += event.missed;
        if (trips.serviced.length < rounds) return raise();
        done = true;
        // Always asynchronous (a batch from the thread), so `subscription` is assigned by now.
        subscription.unsubscribe();
        if (missed !== 0) reject(new Error(`serviced ping-pong missed ${missed} interrupts`));
        else resolve(trips);
      },
      error: reject,
    });
    raise();
  });
}

/**
 * edu's plan: ack with 1 (as irq_pingpong.c does) and unmask INTx (unless
 * the caller re-arms from JS); optionally the 4 snapshot registers.
 */
function eduServiced(
  dev: UioDevice,
  snapshot: boolean,
  rearm = true,
  thread: ServiceRunner = "service",
): Observable<ServicedEvent> {
  return serviced(dev, {
    ...(snapshot ? { snapshot: EDU_SNAPSHOT } : {}),
    ack: { register: { region: 0, offset: EDU_IRQ_ACK, width: 32 }, value: 1 },
    rearm,
    // One vCPU: without it the thread waits for the JS thread to block.
    // (In the event loop there is no thread to raise.)
    ...(thread === "service" ? { realtime: true } : { thread }),
  });
}

/**
 * irq_pingpong.c's round trips. `touchPages`, for a diagnostic of
 * snapshot-latency only: pages C writes between round trips, outside the
 * timed spans (a runtime's working set between interrupts).
 */
async function cPingPong(
  dev: UioDevice,
  rounds: number,
  registers: number,
  touchPages?: number,
): Promise<Omit<ServicedTrips, "delivered">> {
  const out = await runC("irq_pingpong", [
    dev.info.devicePath,
    join(dev.info.sysfsPath, "device", "config"),
    rounds,
    registers,
    ...(touchPages === undefined ? [] : [touchPages]),
  ]);
  assert.equal(numberOf(out, "missed"), 0, "the C ping-pong missed nothing");
  const spans = (key: string): number[] => {
    const values = out[key];
    assert.ok(
      Array.isArray(values) && values.every((v) => typeof v === "number"),
      `the C ping-pong printed "${key}" as numbers`,
    );
    return values as number[];
  };
  return { serviced: spans("latencies"), service: spans("service"), starts: spans("starts") };
}

/** The diagnostic irq_pingpong_threaded.c: C with serviced()'s threads, same latency span. */
async function cThreadedPingPong(
  dev: UioDevice,
  rounds: number,
): Promise<{ serviced: number[]; starts: number[] }> {
  const out = await runC("irq_pingpong_threaded", [
    dev.info.devicePath,
    join(dev.info.sysfsPath, "device", "config"),
    rounds,
  ]);
  assert.equal(numberOf(out, "missed"), 0, "the threaded C ping-pong missed nothing");
  const numbers = (key: string): number[] => {
    const values = out[key];
    assert.ok(Array.isArray(values) && values.every((v) => typeof v === "number"));
    return values as number[];
  };
  return { serviced: numbers("latencies"), starts: numbers("starts") };
}

/**
 * RXUIO_BENCH_TRACE=1: ftrace over a few dozen round trips of serviced(),
 * threaded C and C, printed as per-step timelines (irq-trace.ts).
 */
async function traceIrqLatency(t: GuestTestContext, dev: UioDevice): Promise<void> {
  const trips = 400;
  const traced = async (
    title: string,
    run: () => Promise<{ serviced: number[]; starts: number[] }>,
  ): Promise<void> => {
    const recording = startTrace();
    let text = "";
    let result: { serviced: number[]; starts: number[] };
    try {
      result = await run();
    } finally {
      text = recording.stop();
    }
    const spans = result.starts.map((start, i) => ({
      start,
      end: start + (result.serviced[i] ?? 0),
    }));
    // The first trips warm the trace buffer's pages; the timeline is of the rest.
    for (const line of tripTimeline(title, text, spans.slice(10))) t.log(line);
  };
  await traced("trace serviced()", () => servicedPingPong(dev, eduServiced(dev, false), trips));
  await traced("trace serviced() in the event loop", () =>
    servicedPingPong(dev, eduServiced(dev, false, true, "event-loop"), trips),
  );
  await traced("trace threaded C", () => cThreadedPingPong(dev, trips));
  await traced("trace C", () => cPingPong(dev, trips, 0));
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

async function irqLatency(t: GuestTestContext): Promise<void> {
  const dev = await openDevice(t, "uio_pci_generic");
  const region = dev.region(0);
  region.write32(EDU_IRQ_ACK, region.read32(EDU_IRQ_STATUS));
  dev.irq.setEnabled(true);
  const rounds = quick ? 2 : 5;
  const trips = quick ? 200 : 2000;
  /** Interleaved runs per side and round of the metric (see `metric` below). */
  const metricChunks = quick ? 1 : 4;
  // rxuio is the serviced path in the event loop (ack and unmask native,
  // in the main loop's poll callback: on this one-vCPU guest the fastest
  // of rxuio's ways, as no thread has to be switched in). Diagnostics, not
  // metrics: "thread" is the same plan on the native service thread (the
  // default), "delivered" raise -> subscriber of the thread's run, "jsAck"
  // the old path where the subscriber of interrupts() acks and unmasks from
  // JS, "cThreaded" C with the service thread's design
  // (bench/c/irq_pingpong_threaded.c): against C it prices the second
  // thread, against "thread" what Node.js and rxuio add.
  const kinds = ["rxuio", "c", "jsAck", "cThreaded", "thread"] as const;
  const all: Record<(typeof kinds)[number] | "delivered", number[]> = {
    thread: [],
    rxuio: [],
    c: [],
    jsAck: [],
    cThreaded: [],
    delivered: [],
  };
  const p50Ratios: number[] = [];
  const p99Ratios: number[] = [];
  const threadP50Ratios: number[] = [];
  // snapshot-latency: what 4 snapshot registers add to the p50 service span
  // (wake-up -> acked, where the reads are), one figure per adjacent pair of
  // runs with and without them, several pairs per round, so a change
  // of load between runs moves few pairs and the median over pairs drops it.
  // rxuio's runs are serviced() with the ack and no re-arm (JS unmasks).
  // Short runs, many pairs: the guest's speed shifts in phases (a run's
  // spans can double from one run to the next when the host is busy) and
  // 4 reads add a few hundred ns, so a pair that straddles a shift gives
  // thousands of ns either way; a pair of short runs rarely straddles one.
  // C and rxuio get the same number of pairs of the same length.
  const pairsPerRound = quick ? 3 : 8;
  const pairTrips = quick ? trips : 500;
  const addedRxuio: number[] = [];
  const addedC: number[] = [];
  // Diagnostic: the same pair in the event loop (no thread switched in before the reads).
  const addedLoop: number[] = [];
  // Diagnostic: the C pair with a working set written between round trips
  // (8 and 32 MiB): what the memory a process touches between interrupts
  // does, under emulation, to the same 4 reads in C.
  const workingSets = [2048, 8192].map((pages) => ({ pages, addedNs: [] as number[] }));
  // Warm-up: JIT, page cache of the C binary, first-touch of the BAR.
  await servicedPingPong(dev, eduServiced(dev, false), quick ? 100 : 1000);
  await servicedPingPong(dev, eduServiced(dev, false, true, "event-loop"), quick ? 100 : 1000);
  await servicedPingPong(dev, eduServiced(dev, true, false), quick ? 100 : 1000, true);
  await rxuioPingPong(dev, interrupts(dev), quick ? 100 : 500);
  await cPingPong(dev, 100, 0);
  if (trace) await traceIrqLatency(t, dev);
  const serviceP50 = (run: { readonly service: readonly number[] }): number =>
    percentile(sorted(run.service), 50);
  for (let round = 0; round < rounds; round++) {
    if (profile && round === 0) {
      await profiled(
        true,
        (line) => t.log(`serviced ${line}`),
        () => servicedPingPong(dev, eduServiced(dev, false), trips),
      );
      await profiled(
        true,
        (line) => t.log(`js-ack ${line}`),
        () => rxuioPingPong(dev, interrupts(dev), trips),
      );
    }
    const runs: Record<(typeof kinds)[number], (n: number) => Promise<number[]>> = {
      rxuio: async (n) =>
        (await servicedPingPong(dev, eduServiced(dev, false, true, "event-loop"), n)).serviced,
      thread: async (n) => {
        const run = await servicedPingPong(dev, eduServiced(dev, false), n, false, true);
        all.delivered.push(...run.delivered);
        return run.serviced;
      },
      c: async (n) => (await cPingPong(dev, n, 0)).serviced,
      jsAck: (n) => rxuioPingPong(dev, interrupts(dev), n),
      cThreaded: async (n) => (await cThreadedPingPong(dev, n)).serviced,
    };
    const mine: Partial<Record<(typeof kinds)[number], number[]>> = {};
    const record = (kind: (typeof kinds)[number], latencies: readonly number[]): void => {
      (mine[kind] ??= []).push(...latencies);
      all[kind].push(...latencies);
    };
    // The metric's two sides run interleaved in chunks, C and rxuio in
    // turn, rather than one run each: the guest's speed shifts in phases
    // (a run can take twice as long as the one before it when the host is
    // busy), and a shift between two long runs decides a round's ratio.
    // Each side gets the same trips per round, and the order alternates.
    const metric = async (): Promise<void> => {
      for (let chunk = 0; chunk < metricChunks; chunk++) {
        const cFirst = (round + chunk) % 2 === 0;
        for (const kind of cFirst ? (["c", "rxuio"] as const) : (["rxuio", "c"] as const)) {
          record(kind, await runs[kind](trips / metricChunks));
        }
      }
    };
    // Rotate the order so no variant always runs first or last.
    const steps = ["metric", "jsAck", "cThreaded", "thread"] as const;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[(i + round) % steps.length] as (typeof steps)[number];
      if (step === "metric") await metric();
      else record(step, await runs[step](trips));
    }
    const ours = sorted(mine.rxuio ?? []);
    const theirs = sorted(mine.c ?? []);
    p50Ratios.push(percentile(ours, 50) / percentile(theirs, 50));
    p99Ratios.push(percentile(ours, 99) / percentile(theirs, 99));
    threadP50Ratios.push(percentile(sorted(mine.thread ?? []), 50) / percentile(theirs, 50));
    for (let pair = 0; pair < pairsPerRound; pair++) {
      // Which of the two runs goes first alternates too.
      const snapFirst = (round + pair) % 2 === 1;
      // What 4 snapshot registers add to a run's p50 service span: a pair of runs, with and without.
      const added = async (
        run: (snapshot: boolean) => Promise<{ readonly service: readonly number[] }>,
      ): Promise<number> => {
        const first = await run(snapFirst);
        const second = await run(!snapFirst);
        const [bare, snap] = snapFirst ? [second, first] : [first, second];
        return serviceP50(snap) - serviceP50(bare);
      };
      addedC.push(await added((snapshot) => cPingPong(dev, pairTrips, snapshot ? 4 : 0)));
      addedRxuio.push(
        await added((snapshot) =>
          servicedPingPong(dev, eduServiced(dev, snapshot, false), pairTrips, true),
        ),
      );
      // Diagnostics, at every pair: one pair per round gave 5 values, too
      // few for a median against swings of thousands of ns.
      addedLoop.push(
        await added((snapshot) =>
          servicedPingPong(dev, eduServiced(dev, snapshot, false, "event-loop"), pairTrips, true),
        ),
      );
      for (const { pages, addedNs } of workingSets) {
        addedNs.push(await added((snapshot) => cPingPong(dev, pairTrips, snapshot ? 4 : 0, pages)));
      }
    }
    t.log(
      `round ${round}: p50 rxuio (event loop) ${percentile(ours, 50)} ns, C ${percentile(theirs, 50)} ns, service thread ${percentile(sorted(mine.thread ?? []), 50)} ns, threaded C ${percentile(sorted(mine.cThreaded ?? []), 50)} ns; ` +
        `snapshot adds rxuio ${addedRxuio.slice(-pairsPerRound).join("/")} ns, C ${addedC.slice(-pairsPerRound).join("/")} ns`,
    );
  }
  // System calls per round trip of the metric's two sides and of the service thread's plan,
  // counted (not timed) in runs of their own.
  const countedTrips = quick ? 100 : 1000;
  const rxuioCalls = await withSyscallCounts(() =>
    servicedPingPong(dev, eduServiced(dev, false, true, "event-loop"), countedTrips),
  );
  const cCalls = await withSyscallCounts(() => cPingPong(dev, countedTrips, 0));
  const threadCalls = await withSyscallCounts(() =>
    servicedPingPong(dev, eduServiced(dev, false), countedTrips),
  );
  const syscalls =
    `System calls per round trip (ftrace raw_syscalls/sys_enter as strace -c would count them, runs of ${countedTrips} trips of their own, set-up included, not timed): rxuio's main thread ${perTrip(rxuioCalls.counts, "node", countedTrips)}; C ${perTrip(cCalls.counts, "irq_pingpong", countedTrips)}; ` +
    `diagnostic, the same plan on the service thread: the thread (rxuio-irq) ${perTrip(threadCalls.counts, "rxuio-irq", countedTrips)}, the main thread ${perTrip(threadCalls.counts, "node", countedTrips)}`;
  t.log(syscalls);
  const s = Object.fromEntries(
    [...kinds, "delivered" as const].map((k) => [k, sorted(all[k])]),
  ) as Record<(typeof kinds)[number] | "delivered", number[]>;
  const max = (values: readonly number[]): number => values[values.length - 1] ?? 0;
  const method = `edu on uio_pci_generic, raise -> wake -> ack -> unmask, ${rounds} rounds of ${trips} round trips per side, each round ${metricChunks} interleaved pairs of runs of ${trips / metricChunks} (C and rxuio in turn, order alternating; diagnostics one run per round); rxuio = serviced(dev, plan, { thread: "event-loop" }) with ack (0x64 <- 1) and rearm (pci-intx) declared, run natively in the main loop's poll callback (the guest has one vCPU, so a service thread costs a context switch per interrupt; the thread's figures are a diagnostic), latency = servicedAt - raise`;
  const snapshotRxuio = median(addedRxuio);
  const snapshotC = median(addedC);
  const results: MetricResult[] = [
    metric({
      name: "irq-latency-p50",
      unit: "ns",
      rxuio: percentile(s.rxuio, 50),
      reference: percentile(s.c, 50),
      ratio: median(p50Ratios),
      target: { ratio: { op: "<=", value: 1.3 } },
      note:
        `${method}; C = bench/c/irq_pingpong.c; max rxuio ${max(s.rxuio)} ns, C ${max(s.c)} ns (histogram: irq-latency.svg). ` +
        `Diagnostics (not the metric): the same plan on the native service thread (the default; SCHED_FIFO 1) p50 ${percentile(s.thread, 50)} ns, p99 ${percentile(s.thread, 99)} ns, median per-round p50 ratio to C ${median(threadP50Ratios).toFixed(2)}; JS delivery of the thread's events (raise -> subscriber) p50 ${percentile(s.delivered, 50)} ns, p99 ${percentile(s.delivered, 99)} ns; ` +
        `the old path, interrupts() with the subscriber acking and unmasking from JS, p50 ${percentile(s.jsAck, 50)} ns, p99 ${percentile(s.jsAck, 99)} ns; ` +
        `C with the service thread's design (a SCHED_FIFO service thread, bench/c/irq_pingpong_threaded.c: the cost of the second thread on one vCPU) p50 ${percentile(s.cThreaded, 50)} ns, p99 ${percentile(s.cThreaded, 99)} ns. ${syscalls}`,
    }),
    metric({
      name: "irq-latency-p99",
      unit: "ns",
      rxuio: percentile(s.rxuio, 99),
      reference: percentile(s.c, 99),
      ratio: median(p99Ratios),
      target: { ratio: { op: "<=", value: 2 } },
      note: `${method}; max rxuio ${max(s.rxuio)} ns, C ${max(s.c)} ns; diagnostics: service thread p99 ${percentile(s.thread, 99)} ns, its JS delivery p99 ${percentile(s.delivered, 99)} ns, old JS-ack path p99 ${percentile(s.jsAck, 99)} ns, threaded C p99 ${percentile(s.cThreaded, 99)} ns`,
    }),
    snapshotC > 0 && snapshotRxuio > 0
      ? metric({
          name: "snapshot-latency",
          unit: "ns",
          rxuio: snapshotRxuio,
          reference: snapshotC,
          target: { ratio: { op: "<=", value: 1.2 } },
          note: `p50 added by reading 4 registers at wake-up to the service span, wake-up -> acked (rxuio: servicedAt - time of serviced() with ack and no re-arm, the 4 registers in its plan vs not; C: poll returned -> acked, with vs without the reads), median over ${addedC.length} adjacent pairs of runs of ${pairTrips} round trips (${pairsPerRound} per round of irq-latency); per pair rxuio ${addedRxuio.join("/")} ns, C ${addedC.join("/")} ns. Diagnostics, a pair beside each of those: the same pair with thread: "event-loop", median ${median(addedLoop)} ns (${addedLoop.join("/")}); C writing a working set between round trips (under emulation, the memory a process touches between interrupts evicts what the emulator cached for the service path) ${workingSets.map(({ pages, addedNs }) => `${(pages * 4096) / 2 ** 20} MiB: ${median(addedNs)} ns (${addedNs.join("/")})`).join("; ")}`,
        })
      : metric({
          name: "snapshot-latency",
          unit: "ns",
          rxuio: snapshotRxuio,
          reference: snapshotC,
          ratio: null,
          target: { ratio: { op: "<=", value: 1.2 } },
          // A difference of two noisy medians at or below zero is noise, not a speed-up: no ratio, no verdict.
          note: `added p50 service span (wake-up -> acked) at or below zero (median over pairs of runs: rxuio ${snapshotRxuio} ns, C ${snapshotC} ns; per pair rxuio ${addedRxuio.join("/")}, C ${addedC.join("/")}): lost in the noise of this run, so no ratio`,
        }),
  ];
  send({ results, histogram: latencyHistogram(all.rxuio, all.c) });
}

// ---------------------------------------------------------------- vadc rate ladder

interface Acquisition {
  readonly produced: number;
  readonly checked: number;
  readonly lost: number;
  readonly wrong: number;
  readonly events: number;
  readonly missed: number;
  readonly countDelta: number;
}

/**
 * Sample n's value as the ring holds it, read as an int32 (`ring[i] | 0`):
 * compared as int32s, values with bit 31 set stay small integers instead of
 * heap numbers, so the first of them cannot deoptimise the check.
 */
function vadcSample(n: number): number {
  // As a uint32 (SEQ is one), so V8 divides integers: `%` on a number it
  // keeps as a double is a call to fmod, x87 code that TCG emulates slowly.
  // (A uint32 % by a constant is a multiply in optimised code: stepping the
  // phase per sample instead measured slower in the guest, 65 vs 51 ns.)
  const phase = (n >>> 0) % 8190;
  const wave = phase <= 4095 ? phase : 8190 - phase;
  return ((n & 0xffff) << 16) | (wave << 4);
}

/**
 * vadc_consumer.c's drain() for the samples that pass: from sample `at` on,
 * `count` samples at most, each read from the ring once, checked against
 * its value and copied (raw; decodeSample decodes them) into `block` from
 * 0; stops at the first that fails. Returns how many passed. A function of
 * its own, with everything it touches a parameter: inside rxuioAcquire's
 * closure the ring, block and mask were context loads, and the loop ran at
 * 72 ns/sample in the idle guest against 47 here (a ring of 65536 valid
 * samples, median of 40 passes each). Under load the two measured the same
 * (6 alternating pairs at 500 kHz: ~350 ns/sample wall either way).
 */
function copyInOrder(
  ring: Uint32Array,
  mask: number,
  at: number,
  count: number,
  block: Uint32Array,
): number {
  let k = 0;
  for (; k < count; k++) {
    const sample = (at + k) >>> 0;
    const value = (ring[sample & mask] ?? 0) | 0;
    if (value !== vadcSample(sample)) break;
    block[k] = value;
  }
  return k;
}

/** Zero loss: every sample read with its value, and every interrupt seen or reported missed. */
function lossless(run: Acquisition): boolean {
  return run.lost === 0 && run.wrong === 0 && run.events + run.missed === run.countDelta;
}

/**
 * The full pipeline at `hz` samples/s, one interrupt per sample: onInterrupt
 * snapshots SEQ; the new samples are sliced out of the ring in order
 * (checked, and counted lost when overwritten) in blocks of at most
 * VADC_BLOCK_SAMPLES, decoded from IIO le:u12/32>>4 block by block, and
 * buffered by watermark(16) for the subscriber. (A per-sample stream costs
 * an RxJS emission per sample and measures RxJS, not the device path.)
 */
async function rxuioAcquire(
  dev: UioDevice,
  hz: number,
  ms: number,
  trace?: WakeTrace,
): Promise<Acquisition> {
  const page: Region = dev.region(0);
  const ringLength = page.read32(VADC_RING_LENGTH);
  // A power of two: slot n is n & mask, without a division per sample.
  const mask = ringLength - 1;
  page.write32(VADC_RATE, hz);
  page.write32(VADC_WATERMARK, 1);
  const before = sysfsCount(dev);
  let next = page.read32(VADC_SEQ);
  const first = next;
  let checked = 0;
  let lost = 0;
  let wrong = 0;
  let events = 0;
  let missed = 0;
  let delivered = 0;
  // The ring read in place through view() (zero-copy where the runtime allows);
  // new, checked samples go into one reused buffer per interrupt, whose
  // blocks decodeSample consumes before the next interrupt can reuse it.
  const bytes = page.viewIsCopy ? undefined : page.view();
  const live = bytes && new Uint32Array(bytes.buffer, bytes.byteOffset + VADC_RING, ringLength);
  const block = new Uint32Array(ringLength);
  // Samples from the `from`th on, the ones that fail the check sorted into
  // lost (overwritten meanwhile) and wrong, the rest kept as checked; returns
  // the new count of kept samples. Called on every wake-up, and every path of
  // it run once below before the ring is read: optimised code that meets a
  // path it has not seen deoptimises (slice inlines this), and a deoptimised
  // loop over a ring of samples stalls the guest for most of a second, and
  // every run after a loss with it.
  //
  // Whether a failed sample was overwritten meanwhile is told by SEQ, a
  // native read: it is read again only when the last reading here does not
  // already show the sample a ring behind, and the samples that reading shows
  // overwritten are counted lost without being read (reading them would fail
  // the check the same way). A read per sample once the writer had lapped
  // the reader stalled the rest of the run.
  const sortFrom = (ring: Uint32Array, at: number, from: number, count: number, kept: number) => {
    let n = kept;
    // SEQ as last read here; none yet, so no sample is known overwritten (int32 differences).
    let seq = (at + from) | 0;
    for (let k = from; k < count; k++) {
      const sample = (at + k) >>> 0;
      const value = (ring[sample & mask] ?? 0) | 0;
      if (value === vadcSample(sample)) {
        block[n++] = value;
        continue;
      }
      if (((seq - sample) | 0) < ringLength) seq = page.read32(VADC_SEQ) | 0;
      if (((seq - sample) | 0) < ringLength) {
        wrong++;
        continue;
      }
      lost++; // overwritten meanwhile, and so is every sample before seq - ringLength
      const through = Math.min(count, (seq - ringLength - at) | 0);
      if (through > k + 1) {
        lost += through - k - 1;
        k = through - 1;
      }
    }
    return n;
  };
  {
    // A made-up ring of zeros: sample 0 as written (kept), one a ring and
    // more behind SEQ (lost), and the one just before SEQ (wrong).
    const madeUp = new Uint32Array(ringLength);
    const now = page.read32(VADC_SEQ);
    for (const at of [0, (now - 2 * ringLength) >>> 0, (now - 1) >>> 0]) {
      sortFrom(madeUp, at, 0, 1, 0);
    }
    // Two samples two rings behind: the second is counted lost unread.
    sortFrom(madeUp, (now - 2 * ringLength) >>> 0, 0, 2, 0);
    // And copyInOrder's two ways out: sample 0 passes, sample 1 fails.
    copyInOrder(madeUp, mask, 0, 2, block);
    lost = 0;
    wrong = 0;
  }
  const slice = (seq: number): Uint8Array[] => {
    // Samples more than a ring behind were overwritten before anyone looked
    // (computed on every call rather than in a branch, for the reason above).
    const skipped = Math.max(0, seq - next - ringLength);
    lost += skipped;
    const at = next + skipped;
    const ring =
      live ?? new Uint32Array(page.readBlock(VADC_RING, ringLength * 4).buffer, 0, ringLength);
    // Counted in int32 (at most a ring): the loop's arithmetic stays integer.
    const count = Math.max(0, seq - at) | 0;
    // In order until the first sample that fails the check; sortFrom goes on from there.
    const k = copyInOrder(ring, mask, at, count, block);
    const n = sortFrom(ring, at, k, count, k);
    next = at + count;
    checked += n;
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < n; start += VADC_BLOCK_SAMPLES) {
      const length = Math.min(VADC_BLOCK_SAMPLES, n - start);
      blocks.push(new Uint8Array(block.buffer, start * 4, length * 4));
    }
    return blocks;
  };
  const subscription = onInterrupt(dev, [{ region: 0, offset: VADC_SEQ, width: 32 }])
    .pipe(
      timedDelivery(trace, () => checked),
      // One interrupt's blocks, in order (decoded synchronously, before the next interrupt).
      concatMap((event) => {
        events++;
        missed += event.missed;
        const seq = Number(event.values[0]);
        trace?.wake(seq - next);
        return trace ? trace.slicing(() => slice(seq)) : slice(seq);
      }),
      decodeSample(VADC_FORMAT),
      // The watermark() operator over blocks: the subscriber gets 16 blocks' samples at a time.
      watermark(16, 20),
    )
    .subscribe((blocks) => {
      for (const block of blocks) delivered += block.length;
    });
  trace?.start();
  dev.irq.setEnabled(true);
  await new Promise((resolve) => setTimeout(resolve, ms));
  dev.irq.setEnabled(false);
  trace?.stop();
  // Interrupts raised just before the stop belong to this run too.
  await new Promise((resolve) => setTimeout(resolve, 50));
  subscription.unsubscribe();
  const last = page.read32(VADC_SEQ);
  slice(last);
  assert.ok(delivered <= checked, "the subscriber got no more samples than were read");
  return {
    produced: last - first,
    checked,
    lost,
    wrong,
    events,
    missed,
    countDelta: sysfsCount(dev) - before,
  };
}

/**
 * With a trace, times each wake-up's synchronous trip through the rest of the
 * pipeline to the subscriber (`samples()` before and after: how many it
 * carried); without one, the pipeline is untouched.
 */
function timedDelivery(
  trace: WakeTrace | undefined,
  samples: () => number,
): MonoTypeOperatorFunction<IrqSnapshot> {
  if (trace === undefined) return identity;
  return (source) =>
    new Observable<IrqSnapshot>((subscriber) =>
      source.subscribe({
        next(event) {
          const before = samples();
          const start = performance.now();
          subscriber.next(event);
          trace.work(performance.now() - start, samples() - before);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/** The wake path alone: interrupts() with a subscriber that only counts. */
async function bareInterrupts(
  dev: UioDevice,
  hz: number,
  ms: number,
): Promise<{ events: number; missed: number; countDelta: number }> {
  const page: Region = dev.region(0);
  page.write32(VADC_RATE, hz);
  page.write32(VADC_WATERMARK, 1);
  const before = sysfsCount(dev);
  let events = 0;
  let missed = 0;
  const subscription = interrupts(dev).subscribe((event) => {
    events++;
    missed += event.missed;
  });
  dev.irq.setEnabled(true);
  await new Promise((resolve) => setTimeout(resolve, ms));
  dev.irq.setEnabled(false);
  await new Promise((resolve) => setTimeout(resolve, 50));
  subscription.unsubscribe();
  return { events, missed, countDelta: sysfsCount(dev) - before };
}

async function cAcquire(dev: UioDevice, hz: number, ms: number): Promise<Acquisition> {
  const out = await runC("vadc_consumer", [dev.info.devicePath, hz, ms]);
  const field = (key: string): number => numberOf(out, key);
  return {
    produced: field("produced"),
    checked: field("checked"),
    lost: field("lost"),
    wrong: field("wrong"),
    events: field("events"),
    missed: field("missed"),
    countDelta: field("countDelta"),
  };
}

async function irqRate(t: GuestTestContext): Promise<void> {
  const dev = await openDevice(t, "uio_vadc");
  const ringLength = dev.region(0).read32(VADC_RING_LENGTH);
  const ladder = quick
    ? [1_000, 5_000]
    : [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];
  const ms = quick ? 300 : 1_000;
  let rxuioMax = 0;
  let cMax = 0;
  let rxuioFailed = false;
  let failedAt: number | undefined;
  let cFailed = false;
  const exactness: string[] = [];
  // The GC pauses of the metric's rxuio runs, against the diagnostic's.
  const gcPauses = new GcPauses();
  // Diagnostic, not the metric: at each rate, beside the metric's two runs,
  // rxuio again with V8's parallel scavenger off (see withSerialScavenges),
  // until it fails. Beside them rather than a ladder of its own afterwards:
  // the guest's speed shifts in phases of tens of seconds with the host's load.
  const serial = { max: 0, failedAt: undefined as number | undefined, gc: new GcPauses() };
  // Warm-up: under TCG with one vCPU, V8 needs a while to optimise the
  // pipeline, and seconds more for the blocks of hundreds of samples each
  // wake-up carries at higher rates (TurboFan compiles on a thread that
  // shares the one vCPU): unoptimised, a wake-up took ~26 us per sample.
  // The first warm-up is traced (its trace thrown away), so the traced runs
  // at the end meet no path the optimised pipeline has not seen: one they had
  // not seen deoptimised the acquisition loop and made those runs lose samples.
  await rxuioAcquire(dev, 1_000, quick ? 300 : 2_000, new WakeTrace());
  if (!quick) await rxuioAcquire(dev, 20_000, 2_000);
  await cAcquire(dev, 1_000, 300);
  for (const [i, hz] of ladder.entries()) {
    const serialRunning = !quick && serial.failedAt === undefined;
    if (rxuioFailed && cFailed && !serialRunning) break;
    const sides: [string, () => Promise<void>][] = [];
    if (!rxuioFailed) {
      sides.push([
        "rxuio",
        async () => {
          const run = await gcPauses.during(() => rxuioAcquire(dev, hz, ms));
          t.log(`rxuio ${hz} Hz: ${JSON.stringify(run)}`);
          if (run.events + run.missed !== run.countDelta) exactness.push(`rxuio at ${hz} Hz`);
          if (lossless(run)) rxuioMax = hz;
          else {
            rxuioFailed = true;
            failedAt = hz;
          }
        },
      ]);
    }
    if (serialRunning) {
      sides.push([
        "serial",
        async () => {
          const run = await serial.gc.during(() =>
            withSerialScavenges(() => rxuioAcquire(dev, hz, ms)),
          );
          t.log(`rxuio (--no-parallel-scavenge) ${hz} Hz: ${JSON.stringify(run)}`);
          if (lossless(run)) serial.max = hz;
          else serial.failedAt = hz;
        },
      ]);
    }
    if (!cFailed) {
      sides.push([
        "c",
        async () => {
          const run = await cAcquire(dev, hz, ms);
          t.log(`C ${hz} Hz: ${JSON.stringify(run)}`);
          if (lossless(run)) cMax = hz;
          else cFailed = true;
        },
      ]);
    }
    if (i % 2 === 1) sides.reverse();
    for (const [name, run] of sides) {
      await (name === "rxuio" && profile && hz === 5_000
        ? profiled(true, (line) => t.log(line), run)
        : run());
    }
  }
  // Where the pipeline failed, the bare wake path alone at the same rate tells
  // whether the pipeline's work or the wake-ups themselves are the limit.
  let bare = "";
  if (failedAt !== undefined) {
    const run = await bareInterrupts(dev, failedAt, ms);
    bare = ` At ${failedAt} Hz bare interrupts() with an empty subscriber saw ${run.events} events (${run.missed} missed) for ${run.countDelta} interrupts.`;
  }
  // And why it failed: the pipeline again, with a wake-up trace, at the
  // highest rate it passed and the rate it failed (diagnostics, not the metric).
  const traced: string[] = [];
  if (failedAt !== undefined) {
    for (const hz of rxuioMax > 0 ? [rxuioMax, failedAt] : [failedAt]) {
      const trace = new WakeTrace();
      const run = await rxuioAcquire(dev, hz, ms, trace);
      const outcome = lossless(run) ? "lossless" : `${run.lost} samples lost`;
      traced.push(`at ${hz} Hz (${outcome}) ${trace.describe(ringLength)}`);
      t.log(`traced rxuio ${traced[traced.length - 1] ?? ""}`);
    }
  }
  const top = ladder[ladder.length - 1] ?? 0;
  const ceiling = (max: number): string =>
    max === top ? ` (the top of the ladder: ${top} may understate it)` : "";
  send({
    results: [
      metric({
        name: "irq-rate-max",
        unit: "events/s",
        rxuio: rxuioMax === 0 ? null : rxuioMax,
        reference: cMax === 0 ? null : cMax,
        target: { ratio: { op: ">=", value: 0.5 } },
        note:
          `uio_vadc with a ${ringLength}-sample ring (module parameter ring_len; both sides read RING_LEN), one interrupt per sample, ladder ${ladder.join("/")} Hz for ${ms} ms each, C and rxuio alternating per rate; ` +
          `a rate passes with every sample read in order and events + missed = the sysfs count's move. ` +
          `rxuio: onInterrupt(SEQ) -> ring slice in blocks of <= ${VADC_BLOCK_SAMPLES} samples -> decodeSample -> watermark(16 blocks) -> subscriber; C = bench/c/vadc_consumer.c. ` +
          `rxuio max ${rxuioMax}${ceiling(rxuioMax)}, C max ${cMax}${ceiling(cMax)}. ` +
          (exactness.length === 0
            ? "Loss accounting was exact at every rate tried."
            : `Loss accounting was NOT exact: ${exactness.join(", ")}.`) +
          bare +
          (traced.length > 0
            ? ` Traced rxuio runs (diagnostics, not the metric): ${traced.join("; ")}.`
            : "") +
          ` GC pauses in the ladder's rxuio runs: ${gcPauses.describe()}.` +
          (quick
            ? ""
            : ` Diagnostic, not the metric: at each rate beside those runs, rxuio again with V8's scavenger on the main thread alone (--no-parallel-scavenge set at run time for that run; node --single-threaded-gc does this and more; on this one-vCPU guest a parallel scavenge waits for helper threads that share the vCPU): max ${serial.max}${serial.failedAt === undefined ? "" : ` (failed at ${serial.failedAt})`}, GC pauses: ${serial.gc.describe()}.`) +
          (rxuioMax === 0 || cMax === 0 ? " A side that passed no rate has no figure." : ""),
      }),
    ],
  });
}

/**
 * For a diagnostic of irq-rate-max, never the metric (which runs node with
 * default flags): `run` with V8's parallel scavenger off. By default a
 * scavenge hands work to V8's helper threads and waits for them; in the
 * one-vCPU guest they share the CPU with the thread that waits (traced with
 * --trace-gc-nvp at 500 kHz: the parallel phase took 9-44 ms with a helper
 * taking part, about 1 ms without). The flag is restored before anything
 * else runs.
 */
async function withSerialScavenges<T>(run: () => Promise<T>): Promise<T> {
  setFlagsFromString("--no-parallel-scavenge");
  try {
    return await run();
  } finally {
    setFlagsFromString("--parallel-scavenge");
  }
}

// ---------------------------------------------------------------- soak

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

async function soak(t: GuestTestContext): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const target = quick ? 20_000 : 1_000_000;
  const warmup = quick ? 2_000 : 50_000;
  const hz = 100_000;
  const fdsBefore = openFds();
  const dev = await UioDevice.open("uio_vadc");
  const page = dev.region(0);
  page.write32(VADC_RATE, hz);
  page.write32(VADC_WATERMARK, 1);
  let seen = 0;
  let wakeUps = 0;
  let rssWarm = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const subscription: Subscription = interrupts(dev).subscribe({
      next: (event) => {
        seen += 1 + event.missed;
        wakeUps++;
        if (rssWarm === 0 && seen >= warmup) {
          gc();
          rssWarm = process.memoryUsage().rss;
        }
        if (seen >= target) {
          subscription.unsubscribe();
          resolve();
        }
      },
      error: reject,
    });
    dev.irq.setEnabled(true);
  });
  dev.irq.setEnabled(false);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  gc();
  const rssEnd = process.memoryUsage().rss;
  dev.close();
  const fdsAfter = openFds();
  const growthMb = (rssEnd - rssWarm) / (1 << 20);
  t.log(
    `${seen} interrupts in ${seconds.toFixed(1)} s, RSS ${rssWarm} -> ${rssEnd}, fds ${fdsBefore} -> ${fdsAfter}`,
  );
  send({
    results: [
      metric({
        name: "soak-rss",
        unit: "MB",
        rxuio: growthMb,
        reference: null,
        ratio: null,
        target: { absolute: { op: "<=", value: 5 } },
        note:
          `RSS growth (after gc) over ${seen} uio_vadc interrupts (${wakeUps} events, the rest reported missed) through interrupts() with a subscriber, ` +
          `from ${warmup} in to the end, ${seconds.toFixed(1)} s at ${hz} Hz; absolute target, no C reference; ` +
          `open fds ${fdsBefore} before open, ${fdsAfter} after close${fdsAfter === fdsBefore ? " (no handle leaked)" : " (HANDLES LEAKED)"}`,
      }),
    ],
  });
}

// ---------------------------------------------------------------- sampler jitter

async function samplerJitter(t: GuestTestContext): Promise<void> {
  const dev = await openDevice(t, "uio_vadc");
  const map = dev.info.maps[0];
  assert.ok(map, "uio_vadc has map 0");
  const samples = quick ? 1_000 : 10_000;
  const rounds = quick ? 2 : 3;
  const region = {
    path: dev.info.devicePath,
    fileOffset: 0,
    inPageOffset: map.offset,
    length: map.size,
  };
  const result = await jitterRounds(
    rounds,
    () => samplerLateness(region, VADC_SEQ, samples),
    async () =>
      cJitterRun(
        await runC("sampler_loop", [dev.info.devicePath, 0, VADC_SEQ, SAMPLER_HZ, samples]),
      ),
  );
  t.log(`sampler p99 rxuio ${result.rxuio} ns, C ${result.reference} ns`);
  send({
    results: [
      jitterMetric(
        "guest (QEMU TCG), uio_vadc's register page through /dev/uioN",
        rounds,
        samples,
        result,
      ),
    ],
  });
}

const only = process.env[BENCH_ENV.only] ?? "";
const benchmarks = {
  "bench: edu IRQ round trips and snapshots, rxuio vs C": { timeoutMs: 600_000, run: irqLatency },
  "bench: uio_vadc highest lossless interrupt rate, rxuio vs C": {
    timeoutMs: 600_000,
    run: irqRate,
  },
  "bench: RSS over 1,000,000 uio_vadc interrupts": { timeoutMs: 600_000, run: soak },
  "bench: native sampler jitter at 10 kHz, rxuio vs C": { timeoutMs: 600_000, run: samplerJitter },
};

export default defineGuestSuite(
  Object.fromEntries(Object.entries(benchmarks).filter(([name]) => name.includes(only))),
);
