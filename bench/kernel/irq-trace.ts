import {
  SYSCALLS,
  parseTraceLines,
  startTrace as startFtrace,
} from "../../test/kernel/guest/ftrace.js";
import { median } from "../rounds.js";

/**
 * A diagnostic of the IRQ latency benchmark (RXUIO_BENCH_TRACE=1, never on
 * by default): ftrace in the guest over a few dozen round trips, turned into
 * a per-step timeline (raise -> IRQ handler -> wake-up -> switch -> syscalls
 * -> serviced) so rxuio's path and the C references' can be compared step by
 * step. The trace clock is "mono", the clock of process.hrtime and of the
 * service thread's stamps, so a trip's own start and end stamps place it in
 * the trace. ftrace prints microseconds, and each traced event costs time in
 * the guest: the offsets show where time goes, not the untraced latency.
 */
const EVENTS = [
  "sched/sched_switch",
  "sched/sched_wakeup",
  "irq/irq_handler_entry",
  "irq/irq_handler_exit",
  // The guest's timer interrupts, which irq_handler_entry does not show.
  "irq_vectors/local_timer_entry",
  "raw_syscalls/sys_enter",
  "raw_syscalls/sys_exit",
] as const;

/** Starts recording the events of the timelines; stop() returns the trace text. */
export function startTrace(): { stop(): string } {
  return startFtrace(EVENTS);
}

/** A round trip as its side stamped it: CLOCK_MONOTONIC ns before the raise and when serviced. */
export interface TracedTrip {
  readonly start: number;
  readonly end: number;
}

interface TraceEvent {
  readonly ns: number;
  readonly label: string;
}

/** The trace's events, labelled by step, with threads named by comm and order of appearance. */
function parseTrace(text: string): TraceEvent[] {
  const threads = new Map<string, string>();
  const perComm = new Map<string, number>();
  const thread = (comm: string, tid: string): string => {
    const key = `${comm}-${tid}`;
    let name = threads.get(key);
    if (name === undefined) {
      const k = perComm.get(comm) ?? 0;
      perComm.set(comm, k + 1);
      name = `${comm}#${k}`;
      threads.set(key, name);
    }
    return name;
  };
  const events: TraceEvent[] = [];
  for (const { comm, tid, ns, event, fields } of parseTraceLines(text)) {
    const who = tid === "0" ? "idle" : thread(comm, tid);
    const field = (name: string): string => new RegExp(`${name}=(\\S+)`).exec(fields)?.[1] ?? "?";
    let label: string;
    switch (event) {
      case "sys_enter":
      case "sys_exit": {
        const nr = Number(/NR (\d+)/.exec(fields)?.[1] ?? -1);
        label = `${who} ${event === "sys_enter" ? ">" : "<"}${SYSCALLS[nr] ?? nr}`;
        break;
      }
      case "irq_handler_entry":
        label = `${who} irq${field("irq")}>`;
        break;
      case "irq_handler_exit":
        label = `${who} irq${field("irq")}<`;
        break;
      case "local_timer_entry":
        label = `${who} timer`;
        break;
      case "sched_wakeup":
        label = `wake ${field("pid") === "0" ? "idle" : thread(field("comm"), field("pid"))}`;
        break;
      case "sched_switch": {
        const next =
          field("next_pid") === "0" ? "idle" : thread(field("next_comm"), field("next_pid"));
        label = `switch ${who}->${next}`;
        break;
      }
      default:
        label = `${who} ${event}`;
    }
    events.push({ ns, label });
  }
  return events;
}

/** The events during a trip; the trace prints microseconds, so the window is widened by one on each side. */
function eventsIn(events: readonly TraceEvent[], trip: TracedTrip): TraceEvent[] {
  return events.filter((e) => e.ns >= trip.start - 1e3 && e.ns <= trip.end + 1e3);
}

/**
 * The timeline of the trips' most common step sequence: each step's median
 * offset from the trip's start stamp (us), then how many trips followed it
 * and the other sequences' counts.
 */
export function tripTimeline(title: string, text: string, trips: readonly TracedTrip[]): string[] {
  const events = parseTrace(text);
  const bySequence = new Map<string, number[][]>();
  for (const trip of trips) {
    const inTrip = eventsIn(events, trip);
    const key = inTrip.map((e) => e.label).join(" | ");
    const offsets = [...inTrip.map((e) => e.ns - trip.start), trip.end - trip.start];
    const runs = bySequence.get(key) ?? [];
    runs.push(offsets);
    bySequence.set(key, runs);
  }
  const ranked = [...bySequence].sort((a, b) => b[1].length - a[1].length);
  const [top] = ranked;
  if (top === undefined) return [`${title}: no trips`];
  const [key, runs] = top;
  const labels = key === "" ? [] : key.split(" | ");
  const totals = trips.map((trip) => trip.end - trip.start);
  const lines = [
    `${title}: p50 ${(median(totals) / 1e3).toFixed(1)} us over ${trips.length} traced trips; ${runs.length} in this sequence (${ranked.length} sequences); median offset from the start stamp, us:`,
  ];
  const at = (i: number): string => (median(runs.map((r) => r[i] ?? 0)) / 1e3).toFixed(1);
  lines.push(`  ${"0.0".padStart(7)} start stamp (before the raise)`);
  labels.forEach((label, i) => lines.push(`  ${at(i).padStart(7)} ${label}`));
  lines.push(`  ${at(labels.length).padStart(7)} end stamp (serviced)`);
  // What happens between trips (after one's end stamp, before the next's
  // start): work of the side's own threads that the span does not time but
  // may leave the CPU's caches and TLB colder for the next trip.
  const between = new Map<string, number>();
  for (let i = 1; i < trips.length; i++) {
    const from = (trips[i - 1] as TracedTrip).end;
    const to = (trips[i] as TracedTrip).start;
    for (const e of events)
      if (e.ns > from && e.ns < to) between.set(e.label, (between.get(e.label) ?? 0) + 1);
  }
  const gaps = Math.max(1, trips.length - 1);
  const busiest = [...between].sort((x, y) => y[1] - x[1]).slice(0, 14);
  lines.push(
    `  between trips, per trip: ${busiest.map(([label, n]) => `${label} x${(n / gaps).toFixed(2)}`).join(", ")}`,
  );
  for (const [other, otherRuns] of ranked.slice(1, 6)) {
    const p50 = median(otherRuns.map((r) => r[r.length - 1] ?? 0)) / 1e3;
    lines.push(`  other sequence x${otherRuns.length}, p50 ${p50.toFixed(1)} us: ${other}`);
  }
  lines.push(...slowestTrips(events, trips, new Set(labels)));
  return lines;
}

/**
 * The tail: the slowest 2% of the trips (at least 3), each with its longest
 * step (between two traced events, or a stamp) and what happened in it that
 * the common sequence does not have (other threads switched in, other
 * interrupts, other system calls), at its offset in us. The p99 of a run is
 * among them.
 */
function slowestTrips(
  events: readonly TraceEvent[],
  trips: readonly TracedTrip[],
  common: ReadonlySet<string>,
): string[] {
  const count = Math.max(3, Math.ceil(trips.length / 50));
  const slowest = [...trips].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, count);
  const us = (ns: number): string => (ns / 1e3).toFixed(0);
  return slowest.map((trip) => {
    const inTrip = eventsIn(events, trip);
    const points: TraceEvent[] = [
      { ns: trip.start, label: "start stamp" },
      ...inTrip,
      { ns: trip.end, label: "end stamp" },
    ];
    let longest = { ns: 0, from: "start stamp", to: "end stamp" };
    for (const [i, b] of points.entries()) {
      const a = points[i - 1];
      if (a && b.ns - a.ns > longest.ns) longest = { ns: b.ns - a.ns, from: a.label, to: b.label };
    }
    const extra = inTrip
      .filter((e) => !common.has(e.label))
      .map((e) => `${us(e.ns - trip.start)} ${e.label}`);
    const shown = extra.slice(0, 24).join(", ");
    const more = extra.length > 24 ? `, ... ${extra.length - 24} more` : "";
    return `  slow trip ${((trip.end - trip.start) / 1e3).toFixed(1)} us, longest step ${us(longest.ns)} us (${longest.from} -> ${longest.to}), beyond the common sequence: ${shown === "" ? "nothing" : shown}${more}`;
  });
}
