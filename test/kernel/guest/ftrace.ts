import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * ftrace in the guest (the lab's kernel has it; no tracing tool is in the
 * initramfs): recording kernel events around a piece of a test or a
 * benchmark, read back as the trace's text.
 */
const TRACEFS = "/sys/kernel/tracing";

/** x86_64 system call numbers seen on these paths and around them; others print as their number. */
export const SYSCALLS: Readonly<Record<number, string>> = {
  0: "read",
  1: "write",
  3: "close",
  5: "fstat",
  7: "poll",
  9: "mmap",
  10: "mprotect",
  11: "munmap",
  12: "brk",
  13: "rt_sigaction",
  14: "rt_sigprocmask",
  16: "ioctl",
  17: "pread64",
  18: "pwrite64",
  21: "access",
  28: "madvise",
  33: "dup2",
  39: "getpid",
  56: "clone",
  59: "execve",
  60: "exit",
  61: "wait4",
  72: "fcntl",
  144: "sched_setscheduler",
  157: "prctl",
  158: "arch_prctl",
  186: "gettid",
  202: "futex",
  218: "set_tid_address",
  228: "clock_gettime",
  231: "exit_group",
  232: "epoll_wait",
  233: "epoll_ctl",
  257: "openat",
  262: "newfstatat",
  271: "ppoll",
  273: "set_robust_list",
  281: "epoll_pwait",
  284: "eventfd",
  290: "eventfd2",
  293: "pipe2",
  302: "prlimit64",
  318: "getrandom",
  334: "rseq",
  435: "clone3",
  441: "epoll_pwait2",
};

/** One event line of the trace's text. */
export interface TraceLine {
  /** The thread's name (comm) and id as the trace prints them; tid 0 is the idle task. */
  readonly comm: string;
  readonly tid: string;
  /** The event's time, ns of the trace clock (the trace prints microseconds). */
  readonly ns: number;
  /** The event's name without its system, e.g. "sys_enter", and its fields as printed. */
  readonly event: string;
  readonly fields: string;
}

// "  comm-tid  [000] d.h..  123.456789: event: fields"
const LINE = /^\s*(.+)-(\d+)\s+\[\d+\]\s+\S+\s+(\d+)\.(\d{6}):\s+(\w+):\s*(.*)$/;

/** The event lines of a trace's text, in order; headers and other lines are skipped. */
export function parseTraceLines(text: string): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, comm = "", tid = "", sec = "0", usec = "0", event = "", fields = ""] = m;
    lines.push({
      comm: comm.trim(),
      tid,
      ns: Number(sec) * 1e9 + Number(usec) * 1e3,
      event,
      fields,
    });
  }
  return lines;
}

function write(file: string, text: string): void {
  writeFileSync(join(TRACEFS, file), text);
}

/**
 * Starts recording `events` (mounting tracefs if needed); stop() returns the
 * trace text. With `pids`, only those threads and the processes they start
 * (ftrace's set_event_pid with event-fork) are recorded.
 */
export function startTrace(
  events: readonly string[],
  pids?: readonly number[],
): { stop(): string } {
  if (!existsSync(join(TRACEFS, "trace"))) {
    mkdirSync(TRACEFS, { recursive: true });
    execFileSync("mount", ["-t", "tracefs", "nodev", TRACEFS]);
  }
  write("tracing_on", "0");
  write("trace_clock", "mono");
  write("buffer_size_kb", "16384");
  write("set_event", "");
  for (const event of events) write(join("events", event, "enable"), "1");
  if (pids) {
    write("options/event-fork", "1");
    write("set_event_pid", pids.join(" "));
  }
  write("trace", "");
  write("tracing_on", "1");
  return {
    stop(): string {
      write("tracing_on", "0");
      const text = readFileSync(join(TRACEFS, "trace"), "utf8");
      for (const event of events) write(join("events", event, "enable"), "0");
      if (pids) {
        // An empty write clears the filter.
        write("set_event_pid", "");
        write("options/event-fork", "0");
      }
      write("trace", "");
      return text;
    },
  };
}
