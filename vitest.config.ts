import { defineConfig } from "vitest/config";

/**
 * Two projects: `host` runs everywhere (unit, marble, native-on-files,
 * simulator, CLI); `kernel` boots the QEMU kernel lab and skips loudly when
 * it is not installed (or fails, with RXUIO_REQUIRE_KERNEL=1).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "host",
          // Host tests first, then the guests: QEMU under TCG wants both cores.
          sequence: { groupOrder: 0 },
          include: ["test/**/*.test.ts"],
          exclude: ["test/kernel/**", "node_modules/**"],
        },
      },
      {
        test: {
          name: "kernel",
          sequence: { groupOrder: 1 },
          include: ["test/kernel/**/*.test.ts"],
          // Each file boots its own guest; TCG is slow and the machine has 2 cores.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
