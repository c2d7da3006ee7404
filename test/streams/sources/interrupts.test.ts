import { catchError, map, of } from "rxjs";
import { describe, expect, it, vi } from "vitest";
import type { Backend, IrqSnapshot } from "../../../src/devices/backend.js";
import { simulate } from "../../../src/devices/sim/simulate.js";
import { registerFile } from "../../../src/devices/sim/register-file.js";
import { adc } from "../../../src/devices/sim/adc.js";
import { simAdcRegisters } from "../../../src/devices/registers/maps/sim-adc.js";
import { lastValueFrom, takeWhile, tap, toArray } from "rxjs";
import { interrupts } from "../../../src/streams/sources/interrupts.js";
import { sigio } from "../../../src/streams/sources/sigio.js";
import { pulser, testScheduler } from "../sim-fixtures.js";

const label = map((e: { count: number; missed: number }) => `${e.count}/${e.missed}`);

describe("interrupts()", () => {
  it("emits { count, missed } per wake-up and completes when the device closes", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const p = pulser();
      const dev = simulate({ behaviour: p.behaviour, scheduler: ts });
      cold("-a-b-c").subscribe(() => p.pulse());
      cold("---b").subscribe(() => p.pulse()); // two pulses in frame 3: one wake-up
      cold("--------x").subscribe(() => dev.close());
      expectObservable(interrupts(dev).pipe(label)).toBe("-a-b-c--|", {
        a: "1/0",
        b: "3/1",
        c: "4/0",
      });
    });
  });

  it("errors with the typed reason when the device is unplugged", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const p = pulser();
      const dev = simulate({ behaviour: p.behaviour, scheduler: ts });
      cold("-a").subscribe(() => p.pulse());
      cold("---x").subscribe(() => dev.unplug());
      const codes = interrupts(dev).pipe(
        label,
        catchError((e: { code: string }) => of(e.code)),
      );
      expectObservable(codes).toBe("-a-(e|)", { a: "1/0", e: "ENODEV" });
    });
  });

  it("stops delivering on unsubscribe and completes when its signal aborts", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const p = pulser();
      const dev = simulate({ behaviour: p.behaviour, scheduler: ts });
      cold("-a-a-a-a").subscribe(() => p.pulse());
      const controller = new AbortController();
      cold("----x").subscribe(() => controller.abort());
      // Unsubscribed at frame 3, before that frame's wake-up runs.
      expectObservable(interrupts(dev).pipe(label), "^--!").toBe("-a", { a: "1/0" });
      expectObservable(interrupts(dev, { signal: controller.signal }).pipe(label)).toBe("-a-b|", {
        a: "1/0",
        b: "2/0",
      });
    });
  });

  it("shares one watch per device: opened by the first subscriber, stopped with the last", () => {
    const p = pulser();
    const dev = simulate({ behaviour: p.behaviour });
    const watch = vi.spyOn(dev.events, "watch");
    const a = interrupts(dev).subscribe();
    const b = interrupts(dev).subscribe();
    expect(watch).toHaveBeenCalledTimes(1);
    const stop = vi.spyOn(watch.mock.results[0]?.value as { stop(): void }, "stop");
    a.unsubscribe();
    expect(stop).not.toHaveBeenCalled();
    b.unsubscribe();
    expect(stop).toHaveBeenCalledTimes(1);
    interrupts(dev).subscribe().unsubscribe();
    expect(watch).toHaveBeenCalledTimes(2);
    dev.close();
  });

  it("emits every event of a batched wake-up in order", () => {
    let deliver: ((events: readonly IrqSnapshot[]) => void) | undefined;
    // A backend that batches several events into one wake-up, as the native
    // layer may; the simulator always delivers one event per wake-up.
    const fake: Backend = {
      closed: false,
      info: simulate({ behaviour: registerFile() }).info,
      onClose: () => () => undefined,
      region: () => {
        throw new Error("unused");
      },
      irq: { strategy: "none", setEnabled: () => undefined },
      events: {
        hasIrq: true,
        watch(listener) {
          deliver = (events) => listener.next(events);
          return { stop: () => undefined };
        },
      },
    };
    const seen: string[] = [];
    const sub = interrupts(fake)
      .pipe(label)
      .subscribe((s) => seen.push(s));
    deliver?.([
      { count: 1, missed: 0, time: 1n, values: [] },
      { count: 3, missed: 1, time: 2n, values: [] },
    ]);
    expect(seen).toEqual(["1/0", "3/1"]);
    sub.unsubscribe();
  });

  it("errors ECLOSED when subscribed after close, ENOSYS without an IRQ", () => {
    const dev = simulate({ behaviour: registerFile() });
    dev.close();
    const errors: string[] = [];
    interrupts(dev).subscribe({ error: (e: { code: string }) => errors.push(e.code) });
    const quiet = simulate({
      behaviour: { name: "q", regions: [], irq: "none", attach: () => () => undefined },
    });
    interrupts(quiet).subscribe({ error: (e: { code: string }) => errors.push(e.code) });
    expect(errors).toEqual(["ECLOSED", "ENOSYS"]);
  });
});

describe("interrupts() in real time", () => {
  it("a stalled consumer sees exactly what it missed", async () => {
    const dev = simulate({ behaviour: adc({ rate: 2000 }) });
    let stalled = false;
    const events = lastValueFrom(
      interrupts(dev).pipe(
        tap(() => {
          if (stalled) return;
          stalled = true;
          // Block the thread, as a slow handler would; the ADC keeps sampling.
          const until = performance.now() + 25;
          while (performance.now() < until);
        }),
        takeWhile((e) => e.count < 200, true),
        toArray(),
      ),
    );
    simAdcRegisters.bind(dev.region(0)).ctrl.write(1); // run, one interrupt per sample
    const seen = await events;
    dev.close();
    const last = seen.at(-1);
    expect(seen.reduce((n, e) => n + 1 + e.missed, 0)).toBe(last?.count);
    expect(Math.max(...seen.map((e) => e.missed))).toBeGreaterThan(10);
  });
});

describe("sigio()", () => {
  it("delivers the same events through the SIGIO mode", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const p = pulser();
      const dev = simulate({ behaviour: p.behaviour, scheduler: ts });
      cold("-a--a").subscribe(() => p.pulse());
      cold("------x").subscribe(() => dev.close());
      expectObservable(sigio(dev).pipe(label)).toBe("-a--b-|", { a: "1/0", b: "2/0" });
    });
  });

  it("errors ENOSYS when the backend offers only epoll", () => {
    const dev = simulate({ behaviour: registerFile() });
    const epollOnly: Backend = Object.create(dev, {
      events: { value: { hasIrq: true, watch: dev.events.watch.bind(dev.events) } },
    }) as Backend;
    const errors: string[] = [];
    sigio(epollOnly).subscribe({ error: (e: { code: string }) => errors.push(e.code) });
    expect(errors).toEqual(["ENOSYS"]);
    dev.close();
  });
});
