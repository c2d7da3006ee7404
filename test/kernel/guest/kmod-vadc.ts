import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Region } from "../../../src/devices/backend.js";
import { defineRegisters } from "../../../src/devices/registers/define-registers.js";
import { listDevices } from "../../../src/devices/sysfs/discovery.js";
import { UioDevice } from "../../../src/devices/uio-device.js";
import { irqControl } from "../../../src/streams/sinks/irq-control.js";
import { queueEvents } from "./kmod-event-queue.js";
import type { GuestSuite, GuestTestContext } from "./runner/guest-suite.js";

/**
 * kmod/uio_vadc.c: a virtual ADC whose hrtimer writes samples into a shared
 * page and raises one UIO event per WATERMARK samples; writing 1/0 to
 * /dev/uioN starts/stops it. The layout and the waveform are documented in
 * the module's header comment and docs/kernel-stubs.md.
 */
const vadcRegisters = defineRegisters({
  id: { offset: 0x00, access: "ro" },
  control: { offset: 0x04, access: "ro", volatile: true, fields: { running: [0, 1] } },
  rate: { offset: 0x08, access: "rw" },
  watermark: { offset: 0x0c, access: "rw" },
  seq: { offset: 0x10, access: "ro", volatile: true },
  writeIndex: { offset: 0x14, access: "ro", volatile: true },
  ringLength: { offset: 0x18, access: "ro" },
});
const VADC_ID = 0x56414443;
const RING = 0x800;
/** The ring's length without the ring_len module parameter. */
const RING_LENGTH = 512;
const RING_LENGTH_REGISTER = 0x18;
const SEQ_SNAPSHOT = { region: 0, offset: 0x10, width: 32 } as const;

/** Sample n: its sequence number's low 16 bits, then a 12-bit triangle wave shifted left by 4. */
export function vadcSample(n: number): number {
  const phase = n % 8190;
  const wave = phase <= 4095 ? phase : 8190 - phase;
  return (((n & 0xffff) << 16) | (wave << 4)) >>> 0;
}

async function openVadc(t: GuestTestContext): Promise<UioDevice> {
  const dev = await UioDevice.open("uio_vadc");
  t.defer(() => {
    if (!dev.closed) dev.irq.setEnabled(false);
    dev.close();
  });
  return dev;
}

/** What a reader of the ring saw: every produced sample is in exactly one of checked/lost/wrong. */
interface RingAccount {
  checked: number;
  lost: number;
  wrong: number;
  next: number;
}

/**
 * Reads every sample from `account.next` up to `seq` out of the ring. A
 * sample the producer overwrote before it was read (the reader fell more
 * than a ring behind) counts as lost — reported, never silently skipped; a
 * sample with the wrong value counts as wrong.
 */
function drainRing(page: Region, seq: number, account: RingAccount): void {
  // As the device documents: the ring's length is in RING_LEN (module parameter ring_len).
  const length = page.read32(RING_LENGTH_REGISTER);
  if (seq - account.next > length) {
    account.lost += seq - account.next - length;
    account.next = seq - length;
  }
  const ring = page.readBlock(RING, length * 4);
  const seqAfterCopy = page.read32(0x10);
  for (; account.next < seq; account.next++) {
    const value = ring.readUInt32LE((account.next % length) * 4);
    if (value === vadcSample(account.next)) account.checked++;
    else if (seqAfterCopy - account.next >= length) account.lost++;
    else account.wrong++;
  }
}

interface Acquisition {
  produced: number;
  account: RingAccount;
  events: number;
  missedEvents: number;
  /** What the kernel counted meanwhile (sysfs `event`, read before and after). */
  counted: number;
  seconds: number;
}

function sysfsEventCount(dev: UioDevice): number {
  return Number(readFileSync(`${dev.info.sysfsPath}/event`, "utf8").trim());
}

/** Runs the ADC at `hz` for `ms`, consuming every event as it comes. */
async function acquire(
  t: GuestTestContext,
  dev: UioDevice,
  hz: number,
  watermark: number,
  ms: number,
): Promise<Acquisition> {
  const page = dev.region(0);
  const regs = vadcRegisters.bind(page);
  regs.rate.write(hz);
  regs.watermark.write(watermark);
  const irqs = queueEvents(t, dev);
  const countedBefore = sysfsEventCount(dev);
  const first = regs.seq.read();
  const account: RingAccount = { checked: 0, lost: 0, wrong: 0, next: first };
  let events = 0;
  let missedEvents = 0;
  const started = process.hrtime.bigint();
  dev.irq.setEnabled(true);
  while (Number(process.hrtime.bigint() - started) / 1e6 < ms) {
    const event = await irqs.next(Math.max(2_000, (2 * watermark * 1000) / hz));
    events++;
    missedEvents += event.missed;
    drainRing(page, regs.seq.read(), account);
  }
  dev.irq.setEnabled(false);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counted = sysfsEventCount(dev) - countedBefore;
  // Events still queued, or raised just before the stop, belong to this run
  // too; a loaded guest may take a while to deliver the last wake-up.
  const deadline = Date.now() + 5_000;
  while (events + missedEvents < counted && Date.now() < deadline) {
    for (const event of await irqs.settle(20)) {
      events++;
      missedEvents += event.missed;
    }
  }
  const last = regs.seq.read();
  drainRing(page, last, account);
  irqs.stop();
  return { produced: last - first, account, events, missedEvents, counted, seconds };
}

function rateCase(hz: number, watermark: number, ms: number) {
  return {
    timeoutMs: 120_000,
    run: async (t: GuestTestContext) => {
      const dev = await openVadc(t);
      const run = await acquire(t, dev, hz, watermark, ms);
      const { checked, lost, wrong } = run.account;
      t.log(
        `${hz} Hz, watermark ${watermark}: ${run.produced} samples in ${run.seconds.toFixed(2)} s, ` +
          `${checked} checked, ${lost} lost (reported), ${run.events} events + ${run.missedEvents} missed`,
      );
      assert.equal(wrong, 0, "no sample has a wrong value or is out of order");
      assert.equal(checked + lost, run.produced, "every sample is either checked or reported lost");
      // The ADC's clock, not the reader's speed, sets how many samples exist:
      // never more than are due. A guest starved of host CPU (TCG on a loaded
      // machine) runs its hrtimers late, so the floor is generous; the exact
      // accounting below is what proves no loss is silent.
      const expected = hz * run.seconds;
      assert.ok(
        run.produced <= expected * 1.1 + watermark + 10,
        `${run.produced} samples for ${expected.toFixed(0)} due: more than the clock allows`,
      );
      assert.ok(
        run.produced >= expected * 0.5 - watermark,
        `${run.produced} samples for ${expected.toFixed(0)} due: the ADC fell far behind its rate`,
      );
      // Every event the kernel counted was either seen or reported missed...
      assert.equal(run.events + run.missedEvents, run.counted, "seen + missed = counted");
      // ...and it counted one per watermark (the fill level carries over runs).
      assert.ok(
        Math.abs(run.counted * watermark - run.produced) < watermark,
        `${run.counted} events x ${watermark} for ${run.produced} samples`,
      );
    },
  };
}

export const vadcTests: GuestSuite = {
  "uio_vadc: listDevices() shows one register page and no ports": async () => {
    const vadc = (await listDevices()).find((device) => device.name === "uio_vadc");
    assert.ok(vadc, "uio_vadc is listed");
    assert.equal(vadc.version, "0.1.0");
    assert.deepEqual(
      vadc.maps.map(({ index, name, size, offset }) => ({ index, name, size, offset })),
      [{ index: 0, name: "registers", size: 4096, offset: 0 }],
    );
    assert.deepEqual(vadc.ports, []);
  },

  "uio_vadc: identifies itself and stays idle until irqControl(true)": async (t) => {
    const dev = await openVadc(t);
    const regs = vadcRegisters.bind(dev.region(0));
    assert.equal(regs.id.read(), VADC_ID);
    assert.equal(regs.ringLength.read(), RING_LENGTH);
    assert.equal(regs.control.fields.running.read(), 0);
    assert.equal(dev.irq.strategy, "irqcontrol");
    const seq = regs.seq.read();
    const irqs = queueEvents(t, dev);
    assert.deepEqual(await irqs.settle(200), []);
    assert.equal(regs.seq.read(), seq);
  },

  "uio_vadc: at 1 kHz every sample arrives in order with its value, or is reported": rateCase(
    1_000,
    1,
    1_000,
  ),
  "uio_vadc: at 10 kHz every sample arrives in order with its value, or is reported": rateCase(
    10_000,
    1,
    1_000,
  ),
  "uio_vadc: at 100 kHz, one event per sample, loss is reported, never silent": rateCase(
    100_000,
    1,
    1_000,
  ),
  "uio_vadc: at 100 kHz with a watermark of 64 every sample is accounted for": rateCase(
    100_000,
    64,
    1_000,
  ),
  "uio_vadc: at 1 MHz with a watermark of 256 every sample is accounted for": rateCase(
    1_000_000,
    256,
    1_000,
  ),

  "uio_vadc: irqControl(false) stops samples and events; (true) resumes the sequence": async (
    t,
  ) => {
    const dev = await openVadc(t);
    const page = dev.region(0);
    const regs = vadcRegisters.bind(page);
    regs.rate.write(1_000);
    regs.watermark.write(1);
    const irqs = queueEvents(t, dev);
    // The public sink, as an application drives it; its failures would land on errors$.
    const control = irqControl(dev);
    const failures: unknown[] = [];
    const failed = control.errors$.subscribe((err) => failures.push(err));
    t.defer(() => failed.unsubscribe());
    control.next(true);
    await irqs.next();
    control.next(false);
    assert.equal(regs.control.fields.running.read(), 0);
    const stoppedAt = regs.seq.read();
    await irqs.settle(20); // an event raised just before the stop may still be queued
    assert.deepEqual(await irqs.settle(300), [], "no events while stopped");
    assert.equal(regs.seq.read(), stoppedAt, "no samples while stopped");

    control.next(true);
    assert.equal(regs.control.fields.running.read(), 1);
    await irqs.next();
    // The sequence resumes where it stopped: no gap, every sample in place.
    const account: RingAccount = { checked: 0, lost: 0, wrong: 0, next: stoppedAt };
    drainRing(page, regs.seq.read(), account);
    assert.ok(account.checked >= 1, "samples after the restart");
    assert.deepEqual({ lost: account.lost, wrong: account.wrong }, { lost: 0, wrong: 0 });
    assert.deepEqual(failures, [], "the sink reported no write failure");
  },

  "uio_vadc: a stalled consumer sees exactly the events it missed, and no sample is lost": async (
    t,
  ) => {
    const dev = await openVadc(t);
    const page = dev.region(0);
    const regs = vadcRegisters.bind(page);
    regs.rate.write(1_000);
    regs.watermark.write(1);
    const irqs = queueEvents(t, dev, { snapshot: [SEQ_SNAPSHOT] });
    dev.irq.setEnabled(true);
    let before = await irqs.next();
    for (const event of await irqs.settle(0)) before = event;
    // Block the event loop: the kernel keeps counting, nobody reads.
    const until = Date.now() + 250;
    while (Date.now() < until);
    const after = await irqs.next();
    dev.irq.setEnabled(false);

    const jump = after.count - before.count;
    t.log(`stalled 250 ms: count jumped by ${jump}, missed ${after.missed}`);
    assert.ok(after.missed >= 150, `missed ${after.missed} of ~250 events`);
    assert.equal(after.missed, jump - 1, "missed is the count jump less the event seen");
    // With a watermark of 1 the kernel counts one event per sample: the
    // count moved with SEQ (the snapshot is read natively right after it).
    const seqJump = Number(after.values[0]) - Number(before.values[0]);
    // (A tick can land between the two reads; under TCG one tick may write a few samples.)
    assert.ok(Math.abs(seqJump - jump) <= 3, `SEQ moved ${seqJump}, the count ${jump}`);
    // 250 samples fit in the 512-sample ring: events were missed, samples were not.
    const account: RingAccount = { checked: 0, lost: 0, wrong: 0, next: Number(before.values[0]) };
    drainRing(page, Number(after.values[0]), account);
    assert.deepEqual({ lost: account.lost, wrong: account.wrong }, { lost: 0, wrong: 0 });
    assert.equal(account.checked, seqJump);
  },

  "uio_vadc: ring_len sets the ring (RING_LEN, map size); a stall longer than 512 samples loses none; a bad ring_len refuses to load":
    {
      timeoutMs: 120_000,
      run: async (t) => {
        const module = "kmod/uio_vadc.ko";
        const reload = (...params: string[]): void => {
          execFileSync("rmmod", ["uio_vadc"], { stdio: "pipe" });
          execFileSync("insmod", [module, ...params], { stdio: "pipe" });
        };
        // Whatever happens, the tests after this one get the default ring back.
        t.defer(() => {
          if (!readFileSync("/proc/modules", "utf8").includes("uio_vadc ")) {
            execFileSync("insmod", [module], { stdio: "pipe" });
          } else reload();
        });
        reload("ring_len=4096");
        const info = (await listDevices()).find((device) => device.name === "uio_vadc");
        assert.ok(info, "uio_vadc is listed after the reload");
        // The ring (at 0x800) no longer fits one page: the map grows to whole pages holding it.
        assert.equal(info.maps[0]?.size, 0x800 + 4096 * 4);
        const dev = await openVadc(t);
        const page = dev.region(0);
        const regs = vadcRegisters.bind(page);
        assert.equal(regs.ringLength.read(), 4096);
        regs.rate.write(10_000);
        regs.watermark.write(1);
        const irqs = queueEvents(t, dev, { snapshot: [SEQ_SNAPSHOT] });
        dev.irq.setEnabled(true);
        let before = await irqs.next();
        for (const event of await irqs.settle(0)) before = event;
        // ~2000 samples at 10 kHz: four rings of 512, half a ring of 4096.
        const until = Date.now() + 200;
        while (Date.now() < until);
        const after = await irqs.next();
        dev.irq.setEnabled(false);
        const behind = Number(after.values[0]) - Number(before.values[0]);
        t.log(`stalled 200 ms at 10 kHz: ${behind} samples behind, ${after.missed} events missed`);
        assert.ok(behind > RING_LENGTH, `${behind} samples behind: more than the default ring`);
        assert.ok(behind < 4096, `${behind} samples behind: within the 4096-sample ring`);
        const account: RingAccount = {
          checked: 0,
          lost: 0,
          wrong: 0,
          next: Number(before.values[0]),
        };
        drainRing(page, Number(after.values[0]), account);
        assert.deepEqual({ lost: account.lost, wrong: account.wrong }, { lost: 0, wrong: 0 });
        assert.equal(account.checked, behind);
        irqs.stop();
        dev.close();

        // Slot SEQ % ring_len must not jump when SEQ wraps at 2^32: powers of two only.
        for (const bad of ["ring_len=1000", "ring_len=131072", "ring_len=0"]) {
          execFileSync("rmmod", ["uio_vadc"], { stdio: "pipe" });
          assert.throws(
            () => execFileSync("insmod", [module, bad], { stdio: "pipe" }),
            /Invalid argument|Invalid parameters/,
            `insmod ${bad} is refused`,
          );
          execFileSync("insmod", [module], { stdio: "pipe" });
        }
      },
    },
};
