import { describe, expect, it } from "vitest";
import { tripTimeline, type TracedTrip } from "../../bench/kernel/irq-trace.js";

// Five round trips 1 ms apart, each a read of the count 10-20 us after its
// start and done at 30 us; the fourth is slow: a timer interrupt and a
// switch to another thread land in it, and it ends at 300 us.
const SLOW = 3;
const trips: TracedTrip[] = [];
const lines: string[] = ["# tracer: nop", "#"];
const stamp = (ns: number): string =>
  `${Math.floor(ns / 1e9)}.${String(Math.round((ns % 1e9) / 1e3)).padStart(6, "0")}`;
const line = (comm: string, ns: number, event: string): string =>
  `            ${comm}     [000] .....   ${stamp(ns)}: ${event}`;
for (let k = 0; k < 5; k++) {
  const start = 101e9 + k * 1e6;
  lines.push(line("node-211", start + 10e3, "sys_enter: NR 0 (15, 7ffd5c1c, 4, 0, 0, 0)"));
  lines.push(line("node-211", start + 20e3, "sys_exit: NR 0 = 4"));
  if (k === SLOW) {
    lines.push(line("node-211", start + 100e3, "local_timer_entry: vector=236"));
    lines.push(
      line(
        "node-211",
        start + 150e3,
        "sched_switch: prev_comm=node prev_pid=211 prev_prio=120 prev_state=R ==> next_comm=V8Worker next_pid=212 next_prio=120",
      ),
    );
  }
  trips.push({ start, end: start + (k === SLOW ? 300e3 : 30e3) });
}
const TRACE = lines.join("\n");

describe("the IRQ trace's timeline", () => {
  it("gives the common sequence's median offsets", () => {
    const out = tripTimeline("trace", TRACE, trips);
    expect(out[0]).toBe(
      "trace: p50 30.0 us over 5 traced trips; 4 in this sequence (2 sequences); median offset from the start stamp, us:",
    );
    expect(out).toContain("     10.0 node#0 >read");
    expect(out).toContain("     20.0 node#0 <read");
    expect(out).toContain("     30.0 end stamp (serviced)");
  });

  it("lists the slowest trips, slowest first, with what the common sequence does not have", () => {
    const slow = tripTimeline("trace", TRACE, trips).filter((l) => l.startsWith("  slow trip"));
    expect(slow).toHaveLength(3);
    expect(slow[0]).toBe(
      "  slow trip 300.0 us, longest step 150 us (switch node#0->V8Worker#0 -> end stamp), beyond the common sequence: 100 node#0 timer, 150 switch node#0->V8Worker#0",
    );
    expect(slow[1]).toBe(
      "  slow trip 30.0 us, longest step 10 us (start stamp -> node#0 >read), beyond the common sequence: nothing",
    );
  });
});
