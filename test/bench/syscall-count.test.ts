import { describe, expect, it } from "vitest";
import { countSysEnter, perTrip } from "../kernel/guest/syscall-count.js";

// Lines as the guest kernel's ftrace prints raw_syscalls/sys_enter.
const TRACE = `# tracer: nop
#
            node-211     [000] .....   101.000001: sys_enter: NR 0 (15, 7ffd5c1c, 4, 0, 0, 0)
            node-211     [000] .....   101.000002: sys_enter: NR 17 (16, 7ffd5c20, 2, 4, 0, 0)
            node-211     [000] .....   101.000003: sys_enter: NR 18 (16, 7ffd5c20, 2, 4, 0, 0)
            node-211     [000] .....   101.000004: sys_enter: NR 0 (15, 7ffd5c1c, 4, 0, 0, 0)
    irq_pingpong-230     [000] .....   101.000005: sys_enter: NR 7 (7ffe, 1, ffffffff, 0, 0, 0)
    irq_pingpong-230     [000] .....   101.000006: sys_enter: NR 999 (0, 0, 0, 0, 0, 0)
            node-211     [000] .....   101.000007: sys_exit: NR 0 = 4
`;

describe("system call counts from an ftrace trace", () => {
  it("counts sys_enter lines by thread name and call, naming known numbers", () => {
    const counts = countSysEnter(TRACE);
    expect([...counts.byThread.keys()]).toEqual(["node", "irq_pingpong"]);
    expect(Object.fromEntries(counts.byThread.get("node") ?? [])).toEqual({
      read: 2,
      pread64: 1,
      pwrite64: 1,
    });
    expect(Object.fromEntries(counts.byThread.get("irq_pingpong") ?? [])).toEqual({
      poll: 1,
      "#999": 1,
    });
  });

  it("reports calls per trip, most frequent first, rare ones summed as other", () => {
    const counts = countSysEnter(TRACE);
    expect(perTrip(counts, "node", 2)).toBe("read 1.00, pread64 0.50, pwrite64 0.50 (2.00 in all)");
    expect(perTrip(counts, "node", 1000)).toBe("other 0.004 (0.00 in all)");
    expect(perTrip(counts, "absent", 10)).toBe("none");
  });
});
