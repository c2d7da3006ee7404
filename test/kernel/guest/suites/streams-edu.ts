import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  concatMap,
  from,
  lastValueFrom,
  take,
  tap,
  throwError,
  timeout,
  toArray,
  zip,
  type MonoTypeOperatorFunction,
  type Observable,
} from "rxjs";
import type { Backend, IrqEvent } from "../../../../src/devices/backend.js";
import type { BoundRegisters } from "../../../../src/devices/registers/define-registers.js";
import { eduRegisters } from "../../../../src/devices/registers/maps/edu.js";
import { edu } from "../../../../src/devices/sim/edu.js";
import { simulate } from "../../../../src/devices/sim/simulate.js";
import { UioDevice } from "../../../../src/devices/uio-device.js";
import { eduDriver } from "../../../../src/drivers/edu.js";
import { ack } from "../../../../src/streams/operators/ack.js";
import { rearm } from "../../../../src/streams/operators/rearm.js";
import { interrupts } from "../../../../src/streams/sources/interrupts.js";
import { onInterrupt } from "../../../../src/streams/sources/on-interrupt.js";
import { sigio } from "../../../../src/streams/sources/sigio.js";
import { defineGuestSuite, type GuestTestContext } from "../runner/guest-suite.js";

/**
 * The streams of issue 4 on QEMU's edu device bound to the stock
 * uio_pci_generic driver: the kernel masks INTx on every interrupt, the
 * pipeline acks edu's status (0x64 ← 0x24) and re-enables the line through
 * the PCI command register. Every expectation is checked against the
 * kernel's own count (sysfs `event`), never against elapsed time.
 */

type EduRegisters = BoundRegisters<typeof eduRegisters.spec>;

/** A status bit no device function sets by itself (factorial is 0x1, DMA 0x100). */
const PING = 0x0001_0000;

/**
 * Per-event limit, only so a lost interrupt fails the test with a message
 * instead of hanging the guest until the runner's timeout; it asserts no speed.
 */
const HANG_GUARD_MS = 10_000;

function failIfNothingWithin<T>(what: string): MonoTypeOperatorFunction<T> {
  return (source: Observable<T>) =>
    source.pipe(
      timeout({
        each: HANG_GUARD_MS,
        with: () => throwError(() => new Error(`no ${what} interrupt within ${HANG_GUARD_MS} ms`)),
      }),
    );
}

/** Opens the edu device for one test, in a known state, and closes it afterwards. */
async function openEdu(t: GuestTestContext): Promise<{ dev: UioDevice; regs: EduRegisters }> {
  const dev = await UioDevice.open("uio_pci_generic");
  t.defer(() => dev.close());
  assert.equal(dev.irq.strategy, "pci-intx", "uio_pci_generic is re-armed through INTx");
  const regs = eduRegisters.bind(dev.region(0));
  // A previous test may have left a bit raised or the line masked.
  regs.ack.write(regs.irqStatus.read());
  dev.irq.setEnabled(true);
  return { dev, regs };
}

/** The kernel's total interrupt count for the device. */
function kernelCount(dev: UioDevice): number {
  return Number(readFileSync(`${dev.info.sysfsPath}/event`, "utf8").trim());
}

/**
 * Makes the device interrupt once without letting the JS event loop run:
 * unmask, raise, wait (busy, on sysfs) until the kernel counted it, ack.
 * The kernel leaves INTx masked afterwards, exactly as after a real event.
 * Any stream of this process is stalled meanwhile, which is the point.
 */
function interruptWhileStalled(dev: UioDevice, regs: EduRegisters, value: number): number {
  const before = kernelCount(dev);
  // Unmask first: with the status clear nothing fires, and the raise then
  // interrupts exactly once (unmasking after it could re-fire a pending bit).
  dev.irq.setEnabled(true);
  regs.raise.write(value);
  const deadline = Date.now() + HANG_GUARD_MS;
  let now = kernelCount(dev);
  while (now === before) {
    if (Date.now() > deadline)
      throw new Error(`the kernel did not count a raise of 0x${value.toString(16)}`);
    now = kernelCount(dev);
  }
  assert.equal(now, before + 1, "one raise, one interrupt");
  regs.ack.write(value);
  return now;
}

/** What the edu driver reports on one backend; equal on the simulator and the real device. */
async function exerciseEduDriver(device: Backend) {
  const driver = eduDriver(device);
  const identity = driver.identify();
  const liveness = [0, 0xffff_ffff, 0x1234_5678, 0x5a5a_a5a5].map((probe) =>
    driver.liveness(probe),
  );
  const factorials = await lastValueFrom(
    from([0, 1, 5, 10, 12, 13, 20]).pipe(
      concatMap((n) => driver.factorial(n, { timeout: HANG_GUARD_MS })),
      toArray(),
    ),
  );
  const pings = await lastValueFrom(
    driver.pingPong(200, { timeout: HANG_GUARD_MS }).pipe(toArray()),
  );
  return {
    identity,
    liveness,
    factorials,
    pings: pings.length,
    // Absolute counts differ between backends; their steps must not.
    countSteps: pings.slice(1).map((event, i) => event.count - (pings[i]?.count ?? 0)),
    missed: pings.reduce((sum, event) => sum + event.missed, 0),
    statuses: [...new Set(pings.map((event) => event.values[0]))],
    statusAfter: driver.regs.irqStatus.read(),
  };
}

export default defineGuestSuite({
  "interrupts → ack (0x64 ← 0x24) → rearm handles 10,000 ping-pong IRQs with zero missed": {
    timeoutMs: 300_000,
    run: async (t) => {
      const { dev, regs } = await openEdu(t);
      const rounds = 10_000;
      const before = kernelCount(dev);
      const acked: number[] = [];
      let handled = 0;
      const done = lastValueFrom(
        interrupts(dev).pipe(
          ack(regs.ack, () => {
            const status = regs.irqStatus.read();
            acked.push(status);
            return status;
          }),
          rearm(dev),
          failIfNothingWithin("ping-pong"),
          take(rounds),
          // Raised while the line is still masked: rearm, after this returns, lets it fire.
          tap(() => {
            if (++handled < rounds) regs.raise.write(PING);
          }),
          toArray(),
        ),
      );
      regs.raise.write(PING);
      const events: IrqEvent[] = await done;

      assert.equal(events.length, rounds);
      assert.equal(
        events.reduce((sum, event) => sum + event.missed, 0),
        0,
        "missed summed over all events",
      );
      assert.equal(events[0]?.count, before + 1);
      const gaps = events
        .slice(1)
        .filter((event, i) => event.count !== (events[i]?.count ?? 0) + 1);
      assert.deepEqual(gaps, [], "every event is the next count");
      assert.equal(kernelCount(dev) - before, rounds, "the kernel counted exactly 10,000");
      assert.deepEqual([...new Set(acked)], [PING], "each ack wrote the status the device held");
      assert.equal(acked.length, rounds);
      assert.equal(regs.irqStatus.read(), 0, "everything was acked");
    },
  },

  "a consumer stalled through 25 interrupts sees them as missed on its next event": async (t) => {
    const { dev, regs } = await openEdu(t);
    const stalledFor = 25;
    const before = kernelCount(dev);
    let countAfterStall = 0;
    let handled = 0;
    const done = lastValueFrom(
      interrupts(dev).pipe(
        ack(regs.ack, () => regs.irqStatus.read()),
        rearm(dev),
        failIfNothingWithin("stall"),
        take(3),
        tap(() => {
          handled++;
          if (handled === 1) {
            // Stall inside the handler while the device interrupts 25 more times.
            for (let i = 0; i < stalledFor; i++)
              countAfterStall = interruptWhileStalled(dev, regs, PING);
          } else if (handled === 2) {
            // One more once it caught up. Not from inside this handler: the
            // stall's last interrupt was acked and the line re-enabled by the
            // first event's rearm, so a raise now fires at once and would fire
            // again at this event's rearm, before anything acked it.
            setImmediate(() => regs.raise.write(PING));
          }
        }),
        toArray(),
      ),
    );
    regs.raise.write(PING);
    const [first, afterStall, caughtUp] = await done;
    assert.ok(first && afterStall && caughtUp);

    assert.deepEqual(
      { count: first.count, missed: first.missed },
      { count: before + 1, missed: 0 },
    );
    assert.equal(
      countAfterStall,
      before + 1 + stalledFor,
      "the kernel counted every stalled raise",
    );
    // One wake-up stands for the last of them; the others are missed.
    assert.deepEqual(
      { count: afterStall.count, missed: afterStall.missed },
      { count: countAfterStall, missed: stalledFor - 1 },
    );
    assert.deepEqual(
      { count: caughtUp.count, missed: caughtUp.missed },
      { count: countAfterStall + 1, missed: 0 },
    );
    assert.equal(kernelCount(dev), caughtUp.count);
    assert.equal(
      [first, afterStall, caughtUp].reduce((sum, event) => sum + 1 + event.missed, 0),
      kernelCount(dev) - before,
      "seen + missed accounts for every interrupt the kernel counted",
    );
  },

  "a subscriber that starts stalled counts interrupts since it subscribed as missed": async (t) => {
    const { dev, regs } = await openEdu(t);
    const before = kernelCount(dev);
    const done = lastValueFrom(
      interrupts(dev).pipe(
        ack(regs.ack, () => regs.irqStatus.read()),
        rearm(dev),
        failIfNothingWithin("stall"),
        take(1),
      ),
    );
    // Subscribed (the watch's baseline is `before`), but the loop cannot run yet.
    let countAfterStall = 0;
    for (let i = 0; i < 7; i++) countAfterStall = interruptWhileStalled(dev, regs, PING);
    const event = await done;
    assert.equal(countAfterStall, before + 7);
    assert.deepEqual(
      { count: event.count, missed: event.missed },
      { count: before + 7, missed: 6 },
    );
  },

  "onInterrupt snapshots of 0x24 equal the status each interrupt was raised with": async (t) => {
    const { dev, regs } = await openEdu(t);
    const raised = [
      ...Array.from({ length: 32 }, (_, bit) => (1 << bit) >>> 0),
      0xffff_ffff,
      0xa5a5_a5a5,
      0x1234_5678,
    ];
    const statusInHandler: number[] = [];
    let next = 0;
    const done = lastValueFrom(
      onInterrupt(dev, [regs.irqStatus, regs.liveness]).pipe(
        ack(regs.ack, (event) => event.values[0] ?? 0),
        rearm(dev),
        failIfNothingWithin("snapshot"),
        take(raised.length),
        tap(() => {
          // Acked already, so only the snapshot still knows what fired.
          statusInHandler.push(regs.irqStatus.read());
          const value = raised[++next];
          if (value !== undefined) {
            regs.liveness.write(value);
            regs.raise.write(value);
          }
        }),
        toArray(),
      ),
    );
    regs.liveness.write(raised[0] ?? 0);
    regs.raise.write(raised[0] ?? 0);
    const snapshots = await done;

    assert.deepEqual(
      snapshots.map((s) => s.values[0]),
      raised,
      "status (0x24) as read at each wake-up",
    );
    assert.deepEqual(
      snapshots.map((s) => s.values[1]),
      raised.map((value) => ~value >>> 0),
      "a second register in the same snapshot (liveness, 0x04)",
    );
    assert.deepEqual([...new Set(statusInHandler)], [0], "the live status was already acked");
    assert.equal(
      snapshots.reduce((sum, s) => sum + s.missed, 0),
      0,
    );
    const unordered = snapshots.slice(1).filter((s, i) => s.time <= (snapshots[i]?.time ?? 0n));
    assert.deepEqual(unordered, [], "wake-up times increase");
  },

  "the edu driver gives the same results on simulate(edu()) and on the real device": {
    timeoutMs: 180_000,
    run: async (t) => {
      const sim = simulate({ behaviour: edu() });
      t.defer(() => sim.close());
      const { dev } = await openEdu(t);
      const onSim = await exerciseEduDriver(sim);
      const onDevice = await exerciseEduDriver(dev);
      assert.deepEqual(onDevice, onSim);
      // Equal, and right: not two backends wrong the same way.
      assert.deepEqual(onDevice.identity, { major: 1, minor: 0 });
      assert.deepEqual(onDevice.liveness, [true, true, true, true]);
      assert.deepEqual(
        onDevice.factorials,
        [1, 1, 120, 3_628_800, 479_001_600, 1_932_053_504, 2_192_834_560],
        "n! in 32 bits (13! and 20! wrap)",
      );
      assert.equal(onDevice.pings, 200);
      assert.deepEqual([...new Set(onDevice.countSteps)], [1]);
      assert.equal(onDevice.missed, 0);
      assert.deepEqual(onDevice.statuses, [PING]);
      assert.equal(onDevice.statusAfter, 0);
    },
  },

  "sigio(dev) delivers the same interrupts as interrupts(dev) (epoll)": async (t) => {
    const { dev, regs } = await openEdu(t);
    assert.ok(dev.events.modes?.includes("sigio"), "the native SIGIO mode is offered");
    const rounds = 200;
    const before = kernelCount(dev);
    let handled = 0;
    const done = lastValueFrom(
      // Each pair is acked and re-armed only once both modes saw it.
      zip(interrupts(dev), sigio(dev)).pipe(
        ack(regs.ack, () => regs.irqStatus.read()),
        rearm(dev),
        failIfNothingWithin("epoll/SIGIO"),
        take(rounds),
        tap(() => {
          if (++handled < rounds) regs.raise.write(PING);
        }),
        toArray(),
      ),
    );
    regs.raise.write(PING);
    const pairs = await done;
    const differing = pairs.filter(
      ([byEpoll, bySigio]) => byEpoll.count !== bySigio.count || byEpoll.missed !== bySigio.missed,
    );
    assert.deepEqual(differing, [], "the same count and missed in both modes");
    assert.deepEqual(
      pairs.map(([byEpoll]) => byEpoll.count),
      Array.from({ length: rounds }, (_, i) => before + 1 + i),
    );
    assert.equal(
      pairs.reduce((sum, [, bySigio]) => sum + bySigio.missed, 0),
      0,
    );
  },
});
