import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { lastValueFrom, throwError, timeout, toArray, type Observable } from "rxjs";
import type { ServiceRunner } from "../../../src/devices/backend.js";
import type { BoundRegisters } from "../../../src/devices/registers/define-registers.js";
import { eduRegisters } from "../../../src/devices/registers/maps/edu.js";
import { UioDevice } from "../../../src/devices/uio-device.js";
import { eduDriver } from "../../../src/drivers/edu.js";
import { isRxuioError, type RxuioError } from "../../../src/errors.js";
import { serviced, type ServicedEvent } from "../../../src/streams/sources/serviced.js";
import type { GuestSuite, GuestTestContext } from "./runner/guest-suite.js";
import { withSyscallCounts } from "./syscall-count.js";

/**
 * serviced() on QEMU's edu, where the native service thread acks and
 * re-arms every interrupt before JS hears of it: under uio_pci_generic it
 * acks edu's status (0x64 <- 0x24) and unmasks INTx through device/config;
 * under kmod/uio_edu the kernel acks and the thread re-arms the MSI vector
 * with the irqcontrol write. Every expectation is checked against the
 * kernel's own count (sysfs `event`), never against elapsed time.
 */

type EduRegisters = BoundRegisters<typeof eduRegisters.spec>;

/** A status bit no device function sets by itself (factorial is 0x1, DMA 0x100). */
const PING = 0x0001_0000;

/** Only so a lost interrupt fails with a message instead of hanging the guest; asserts no speed. */
const HANG_GUARD_MS = 10_000;

export type EduDriverName = "uio_pci_generic" | "uio_edu";

function kernelCount(dev: UioDevice): number {
  return Number(readFileSync(`${dev.info.sysfsPath}/event`, "utf8").trim());
}

async function openEdu(
  t: GuestTestContext,
  driver: EduDriverName,
): Promise<{ dev: UioDevice; regs: EduRegisters }> {
  const dev = await UioDevice.open(driver);
  t.defer(() => dev.close());
  const regs = eduRegisters.bind(dev.region(0));
  // A previous test may have left a bit raised or the line masked.
  regs.ack.write(regs.irqStatus.read());
  dev.irq.setEnabled(true);
  return { dev, regs };
}

/** The plan each driver needs: uio_pci_generic leaves the ack to user space, uio_edu acks itself. */
function eduServiced(
  driver: EduDriverName,
  dev: UioDevice,
  regs: EduRegisters,
  realtime = false,
  thread: ServiceRunner = "service",
) {
  const where = thread === "service" ? { realtime } : { thread };
  return serviced(
    dev,
    driver === "uio_pci_generic"
      ? {
          snapshot: [regs.irqStatus],
          ack: { register: regs.ack, from: regs.irqStatus },
          rearm: true,
          ...where,
        }
      : { rearm: true, ...where },
  ).pipe(
    timeout({
      each: HANG_GUARD_MS,
      with: () => throwError(() => new Error(`no interrupt within ${HANG_GUARD_MS} ms`)),
    }),
  );
}

/** Busy-waits (the JS thread stays blocked) until `done`, failing after the hang guard. */
function spinUntil(what: string, done: () => boolean): void {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${HANG_GUARD_MS} ms`);
  }
}

/** Subscribes, raises one interrupt per event until `rounds`, and resolves with the events. */
function pingPong(
  source: Observable<ServicedEvent>,
  regs: EduRegisters,
  rounds: number,
): Promise<ServicedEvent[]> {
  const events: ServicedEvent[] = [];
  return new Promise((resolve, reject) => {
    const subscription = source.subscribe({
      next: (event) => {
        events.push(event);
        // The thread acked and unmasked already: raising from here is safe.
        if (events.length < rounds) return regs.raise.write(PING);
        subscription.unsubscribe();
        resolve(events);
      },
      error: reject,
    });
    regs.raise.write(PING);
  });
}

export function servicedEduTests(driver: EduDriverName): GuestSuite {
  return {
    ...Object.fromEntries(
      (["service", "event-loop"] as const).map((thread) => [
        `${driver}: serviced() ${thread === "service" ? "on its thread" : "in the event loop"} handles 1,000 ping-pong interrupts natively with zero missed`,
        {
          timeoutMs: 300_000,
          run: async (t: GuestTestContext) => {
            const { dev, regs } = await openEdu(t, driver);
            const rounds = 1_000;
            const before = kernelCount(dev);
            const events = await pingPong(
              eduServiced(driver, dev, regs, false, thread),
              regs,
              rounds,
            );
            assert.equal(events.length, rounds);
            assert.equal(
              events.reduce((sum, e) => sum + e.missed, 0),
              0,
              "missed summed over all events",
            );
            assert.equal(events[0]?.count, before + 1);
            const gaps = events.slice(1).filter((e, i) => e.count !== (events[i]?.count ?? 0) + 1);
            assert.deepEqual(gaps, [], "every event is the next count");
            assert.equal(kernelCount(dev) - before, rounds, "the kernel counted exactly 1,000");
            for (const e of events) assert.ok(e.servicedAt >= e.time, "serviced after the wake-up");
            if (driver === "uio_pci_generic") {
              assert.deepEqual(
                [...new Set(events.map((e) => e.values[0]))],
                [PING],
                "status read at each wake-up",
              );
            }
            assert.equal(regs.irqStatus.read(), 0, "everything was acked");
          },
        },
      ]),
    ),

    [`${driver}: serviced() in the event loop makes no system call per interrupt beyond the count read and the re-arm`]:
      async (t) => {
        const { dev, regs } = await openEdu(t, driver);
        const source = () => eduServiced(driver, dev, regs, false, "event-loop");
        await pingPong(source(), regs, 50); // JIT and first touches out of the count
        const rounds = 500;
        const { result: events, self } = await withSyscallCounts(() =>
          pingPong(source(), regs, rounds),
        );
        assert.equal(events.length, rounds);
        t.log(`main thread's system calls over ${rounds} interrupts: ${JSON.stringify([...self])}`);
        const calls = (name: string): number => self.get(name) ?? 0;
        // The re-arm: one config read and one write (pci-intx), or one irqcontrol write.
        const rearm = driver === "uio_pci_generic" ? ["pread64", "pwrite64"] : ["write"];
        // (A write may also be set-up's: the stop eventfd's.)
        for (const name of rearm) {
          const n = calls(name);
          assert.ok(n >= rounds && n <= rounds + 4, `${name} once per interrupt: ${n}`);
        }
        // Learning of an interrupt: one count read, or (when it had not come
        // yet) a read that finds none and a wait; C's loop spends a poll and
        // a read on each.
        const waiting = ["read", "epoll_pwait", "epoll_wait", "epoll_pwait2"];
        const waits = waiting.reduce((n, name) => n + calls(name), 0);
        assert.ok(calls("read") >= rounds, "the count read at each wake-up");
        assert.ok(waits <= 2 * rounds, `at most 2 calls per interrupt to wait: ${waits}`);
        // Anything else is set-up and tear-down (open, mmap, epoll_ctl...),
        // a constant, not a cost per interrupt.
        const others = [...self]
          .filter(([name]) => !rearm.includes(name) && !waiting.includes(name))
          .reduce((n, [, count]) => n + count, 0);
        assert.ok(
          others <= 100,
          `${others} other calls over ${rounds} interrupts: ${JSON.stringify([...self])}`,
        );
      },

    [`${driver}: interrupts taken while JS is blocked are serviced by the thread and delivered afterwards`]:
      async (t) => {
        const { dev, regs } = await openEdu(t, driver);
        const blockedFor = 25;
        const before = kernelCount(dev);
        const events: ServicedEvent[] = [];
        // Realtime: the guest has one vCPU, and a thread of normal priority
        // would only run when this blocked JS thread yields.
        const subscription = eduServiced(driver, dev, regs, true).subscribe({
          next: (e) => events.push(e),
        });
        t.defer(() => subscription.unsubscribe());
        // JS stays blocked in this loop while the thread services each
        // interrupt (under uio_pci_generic only it can ack and unmask).
        for (let i = 1; i <= blockedFor; i++) {
          regs.raise.write(PING);
          spinUntil(
            `interrupt ${i} counted and acked`,
            () => kernelCount(dev) === before + i && regs.irqStatus.read() === 0,
          );
        }
        assert.equal(events.length, 0, "JS saw nothing while blocked");
        // Interrupts the events account for: each stands for itself plus what it missed.
        const accounted = (): number => events.reduce((n, e) => n + 1 + e.missed, 0);
        await new Promise<void>((resolve, reject) => {
          const deadline = setTimeout(
            () =>
              reject(
                new Error(
                  `events not delivered: ${JSON.stringify(events.map((e) => [e.count, e.missed]))}`,
                ),
              ),
            HANG_GUARD_MS,
          );
          const check = () => {
            if (accounted() >= blockedFor) {
              clearTimeout(deadline);
              resolve();
            } else setTimeout(check, 5);
          };
          check();
        });
        if (driver === "uio_pci_generic") {
          // Only the thread's ack let the loop above go on, so it took every
          // interrupt on its own before the next was raised.
          assert.deepEqual(
            events.map((e) => [e.count, e.missed]),
            Array.from({ length: blockedFor }, (_, i) => [before + 1 + i, 0]),
            "every interrupt is its own event, none missed",
          );
        } else {
          // uio_edu's kernel handler acks by itself, so the loop above may
          // raise the next interrupt before the thread has read the count
          // (seen in CI): the thread then takes several at once, and the
          // accounting must still be exact — counts in order, ending at the
          // kernel's, and every interrupt either an event or a missed one.
          assert.ok(
            events.every((e, i) => i === 0 || e.count > (events[i - 1] as ServicedEvent).count),
            "counts in order",
          );
          assert.equal(
            events.at(-1)?.count,
            before + blockedFor,
            "the last event is the kernel's count",
          );
          assert.equal(accounted(), blockedFor, "events + missed = the interrupts raised");
        }
      },

    [`${driver}: a consumer that never frees the queue makes the thread stop servicing; the loss is exact in missed`]:
      {
        timeoutMs: 300_000,
        run: async (t) => {
          const { dev, regs } = await openEdu(t, driver);
          const before = kernelCount(dev);
          const events: ServicedEvent[] = [];
          const subscription = eduServiced(driver, dev, regs).subscribe({
            next: (e) => events.push(e),
          });
          t.defer(() => subscription.unsubscribe());
          // More than the thread's 8 slots hold (7 handed-off batches plus 256
          // events) while JS is blocked: it must stop servicing, not drop.
          let raised = 0;
          let stalled = false;
          while (raised < 2_000 && !stalled) {
            const counted = kernelCount(dev);
            regs.raise.write(PING);
            raised++;
            // Taken and serviced (status acked), or no longer serviced: the
            // count then stops at the interrupt nobody acked (uio_pci_generic
            // masks INTx), or goes on while nobody re-arms (uio_edu masks nothing
            // until told; its kernel handler acks).
            const deadline = Date.now() + 200;
            while (kernelCount(dev) === counted || regs.irqStatus.read() !== 0) {
              if (Date.now() > deadline) {
                stalled = true;
                break;
              }
            }
          }
          t.log(
            `${raised} raised while blocked; stalled: ${stalled}; kernel counted ${kernelCount(dev) - before}`,
          );
          // Unblock: JS takes the batches, the thread services the rest.
          const finalCount = (): number => kernelCount(dev);
          await new Promise<void>((resolve, reject) => {
            const deadline = setTimeout(
              () => reject(new Error("events not delivered")),
              HANG_GUARD_MS,
            );
            const check = () => {
              const last = events[events.length - 1];
              if (last !== undefined && last.count === finalCount()) {
                clearTimeout(deadline);
                resolve();
              } else setTimeout(check, 5);
            };
            check();
          });
          const accounted = events.reduce((sum, e) => sum + 1 + e.missed, 0);
          assert.equal(
            accounted,
            kernelCount(dev) - before,
            "events + missed = the kernel count's move",
          );
          assert.ok(
            events.length >= 263,
            `the queued events were all delivered (${events.length})`,
          );
          if (driver === "uio_edu") {
            // MSI is never masked by the kernel: the interrupts the stalled
            // thread did not take were counted, and are reported as missed.
            assert.ok(accounted > events.length, "the stall shows as missed");
          }
          t.log(`${events.length} events, ${accounted - events.length} missed`);
        },
      },

    [`${driver}: unsubscribing stops and joins the thread; later interrupts are left to the next handler`]:
      async (t) => {
        const { dev, regs } = await openEdu(t, driver);
        const subscription = eduServiced(driver, dev, regs).subscribe();
        await new Promise((resolve) => setTimeout(resolve, 20));
        subscription.unsubscribe();
        const before = kernelCount(dev);
        regs.raise.write(PING);
        spinUntil("the kernel counted the raise", () => kernelCount(dev) === before + 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (driver === "uio_pci_generic") {
          assert.equal(regs.irqStatus.read(), PING, "nobody acked it");
        }
        // A new serviced watch can start once the old one is gone.
        regs.ack.write(regs.irqStatus.read());
        dev.irq.setEnabled(true);
        const again = await pingPong(eduServiced(driver, dev, regs), regs, 3);
        assert.equal(again.length, 3);
      },

    [`${driver}: the edu driver declared as a service plan computes factorials and ping-pongs`]:
      async (t) => {
        const { dev } = await openEdu(t, driver);
        const edu = eduDriver(dev, { serviced: true });
        assert.equal(await lastValueFrom(edu.factorial(10, { timeout: HANG_GUARD_MS })), 3_628_800);
        const before = kernelCount(dev);
        const pings = await lastValueFrom(
          edu.pingPong(200, { timeout: HANG_GUARD_MS }).pipe(toArray()),
        );
        assert.equal(pings.length, 200);
        assert.equal(
          pings.reduce((sum, e) => sum + e.missed, 0),
          0,
        );
        assert.equal(kernelCount(dev) - before, 200);
        assert.ok(pings.every((e) => e.servicedAt !== undefined));
      },

    // Last: it removes the device from this guest.
    [`${driver}: hot-unplug while serviced errors the stream with ENODEV and the process lives on`]:
      async (t) => {
        const { dev, regs } = await openEdu(t, driver);
        const failure = new Promise<RxuioError>((resolve) => {
          const subscription = serviced(dev, { rearm: true }).subscribe({
            error: (err: RxuioError) => resolve(err),
          });
          t.defer(() => subscription.unsubscribe());
        });
        // One interrupt serviced before the unplug, to be sure the thread runs.
        regs.raise.write(PING);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await t.monitor("device_del edu0");
        const err = await Promise.race([
          failure,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error("no error 10 s after device_del")), HANG_GUARD_MS),
          ),
        ]);
        assert.ok(isRxuioError(err), `a typed error, got ${String(err)}`);
        t.log(`unplug reported as ${err.code}: ${err.message}`);
        assert.equal(err.code, "ENODEV");
        assert.ok(dev.closed, "the device closed itself");
      },
  };
}
