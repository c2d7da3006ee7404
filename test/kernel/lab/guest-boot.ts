import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { isLeft } from "fp-ts/lib/Either.js";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { GuestReport, REPORT_FILE } from "../guest/runner/protocol.js";
import { GUEST_RUNNER } from "./guest-build.js";
import { buildInitramfs } from "./initramfs.js";
import { buildKmod } from "./kmod-build.js";
import type { LabTools } from "./lab-probe.js";
import { resolveModuleOrder, type ModuleLoad } from "./module-order.js";
import { qemuArgs } from "./qemu-command.js";
import { QemuMonitor } from "./qemu-monitor.js";
import { serveGuestRequests } from "./request-server.js";
import { SerialConsole } from "./serial-console.js";
import { runScript } from "./run-script.js";

/** The modules /init needs to reach the host over 9p; everything else loads per run. */
const NINEP_STACK = ["9p", "9pnet_virtio", "virtio_pci"];

/** A module from outside the kernel tree (e.g. kmod/uio_edu.ko), with insmod parameters. */
export interface ExtraModule {
  /** Relative to the project root, or absolute. Read in the guest through the host share. */
  readonly path: string;
  readonly params?: readonly string[];
}

/** One guest boot: which devices it has, what it loads, and which suite it runs. */
export interface GuestBootOptions {
  /** test/kernel/guest/suites/<suite>.ts. */
  readonly suite: string;
  /** Extra QEMU `-device` values, e.g. ["edu,id=edu0", "pci-testdev"]. */
  readonly devices?: readonly string[];
  /** In-tree modules to load (with their dependencies, in modprobe order), e.g. ["uio_pci_generic"]. */
  readonly kernelModules?: readonly string[];
  /** Out-of-tree modules to insmod after the in-tree ones, in order. */
  readonly extraModules?: readonly ExtraModule[];
  /** Run `make -C kmod` for the lab kernel before booting (for extraModules from kmod/). */
  readonly buildKmod?: boolean;
  /** PCI ids ("vendor device") to bind to uio_pci_generic; loads it when non-empty. */
  readonly uioPciGenericIds?: readonly string[];
  /** Extra environment for the guest runner. */
  readonly env?: Readonly<Record<string, string>>;
  /** Until the guest is ready to start node (default 240 s). */
  readonly bootTimeoutMs?: number;
  /** For the whole run, boot included (default 540 s, under vitest's 600 s hook timeout). */
  readonly runTimeoutMs?: number;
  readonly memoryMb?: number;
}

export interface GuestRun {
  /** What the guest runner reported (possibly partial), when it wrote anything valid. */
  readonly report: GuestReport | undefined;
  /** Why the run did not complete cleanly; undefined when it did. */
  readonly failure: string | undefined;
  /** Everything QEMU printed: kernel, /init and the runner's output. */
  readonly serialLog: string;
  /** Milliseconds from spawning QEMU to the guest starting node, and to QEMU's exit. */
  readonly bootMs: number | undefined;
  readonly totalMs: number;
  /** The run's share (run.sh, report.json), kept when the run failed or RXUIO_LAB_KEEP is set. */
  readonly keptShareDir: string | undefined;
  /** The QEMU command line, for reproducing a failure by hand. */
  readonly command: readonly string[];
}

/** Under vitest's 600 s hook timeout, so the harness reports a slow guest before vitest does. */
export const DEFAULT_RUN_TIMEOUT_MS = 540_000;

/** Keep the serial log bounded even when a test floods the console. */
const SERIAL_LOG_LIMIT = 4 << 20;

/** Kills any QEMU a crashed or interrupted test process would otherwise leave behind. */
const liveGuests = new Set<{ kill(signal: NodeJS.Signals): unknown }>();
process.on("exit", () => liveGuests.forEach((guest) => guest.kill("SIGKILL")));

function moduleLoads(tools: LabTools, projectDir: string, options: GuestBootOptions): ModuleLoad[] {
  const inTree = [...(options.kernelModules ?? [])];
  if ((options.uioPciGenericIds ?? []).length > 0 && !inTree.includes("uio_pci_generic")) {
    inTree.push("uio_pci_generic");
  }
  const extra = (options.extraModules ?? []).map((module) => ({
    path: isAbsolute(module.path) ? module.path : resolve(projectDir, module.path),
    params: module.params ?? [],
  }));
  for (const module of extra) {
    if (!existsSync(module.path))
      throw new Error(`extra module ${module.path} does not exist (build kmod/ first)`);
  }
  return [...resolveModuleOrder(tools.kernel.version, inTree), ...extra];
}

/**
 * Boots a guest, runs one guest suite in it and collects the report. Never
 * hangs: the boot and the run have hard timeouts after which QEMU is killed.
 * Guest-side failures do not throw — they come back as `failure` with the
 * serial log — so the caller can still report every test that did run.
 */
export async function bootGuest(
  tools: LabTools,
  projectDir: string,
  options: GuestBootOptions,
): Promise<GuestRun> {
  if (options.buildKmod) await buildKmod(projectDir, tools.kernel);
  const cacheDir = join(projectDir, ".lab");
  const initramfs = await buildInitramfs({
    kernelVersion: tools.kernel.version,
    busybox: tools.busybox,
    cpio: tools.cpio,
    modules: resolveModuleOrder(tools.kernel.version, NINEP_STACK),
    cacheDir,
  });
  // Short path: unix socket paths are limited to 107 bytes.
  const shareDir = await mkdtemp(join(tmpdir(), "rxuio-lab-"));
  const qmpSocket = join(shareDir, "qmp.sock");
  // The guest's scratch space (TMPDIR, HOME): the host root is read-only there.
  const guestTmp = join(shareDir, "tmp");
  await mkdir(guestTmp);
  await writeFile(
    join(shareDir, "run.sh"),
    runScript({
      modules: moduleLoads(tools, projectDir, options),
      uioPciGenericIds: options.uioPciGenericIds ?? [],
      workDir: projectDir,
      command: [
        process.execPath,
        "--enable-source-maps",
        join(projectDir, GUEST_RUNNER),
        options.suite,
        shareDir,
      ],
      env: { RXUIO_GUEST: "1", TMPDIR: guestTmp, HOME: guestTmp, ...(options.env ?? {}) },
    }),
  );
  const bootTimeoutMs = options.bootTimeoutMs ?? 240_000;
  const runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const args = qemuArgs({
    kernelImage: tools.kernel.image,
    initramfs,
    shareDir,
    qmpSocket,
    devices: options.devices ?? [],
    // A little after the host's own limit, which normally fires first.
    watchdogSeconds: runTimeoutMs / 1000 + 30,
    ...(options.memoryMb === undefined ? {} : { memoryMb: options.memoryMb }),
  });

  const started = performance.now();
  const qemu = spawn(tools.qemu, args, { stdio: ["pipe", "pipe", "pipe"] });
  liveGuests.add(qemu);
  const serial = new SerialConsole(SERIAL_LOG_LIMIT);
  let bootMs: number | undefined;
  let failure: string | undefined;
  const append = (chunk: Buffer): void => {
    if (serial.append(chunk.toString("utf8"))) bootMs = performance.now() - started;
    if (failure === undefined && serial.setupFailure !== undefined) {
      failure = `guest setup failed: ${serial.setupFailure}`;
    }
  };
  qemu.stdout.on("data", append);
  qemu.stderr.on("data", append);

  const exited = new Promise<number | null>((resolveExit) => {
    qemu.on("error", (err) => {
      failure ??= `cannot start ${tools.qemu}: ${err.message}`;
      resolveExit(null);
    });
    qemu.on("close", (code) => resolveExit(code));
  });

  let monitor: QemuMonitor | undefined;
  const monitorReady = QemuMonitor.connect(qmpSocket).then((m) => (monitor = m));
  monitorReady.catch(() => undefined); // reported when a request needs it
  const requests = serveGuestRequests(shareDir, {
    monitor: async (command) => (await monitorReady).hmp(command),
  });

  const watchdog = setInterval(() => {
    const elapsed = performance.now() - started;
    if (bootMs === undefined && elapsed > bootTimeoutMs) {
      failure ??= `the guest did not finish booting within ${bootTimeoutMs / 1000} s`;
      qemu.kill("SIGKILL");
    } else if (elapsed > runTimeoutMs) {
      failure ??= `the guest run exceeded ${runTimeoutMs / 1000} s and was killed`;
      qemu.kill("SIGKILL");
    }
  }, 250);

  const exitCode = await exited;
  clearInterval(watchdog);
  liveGuests.delete(qemu);
  await requests.stop();
  monitor?.close();
  // A connection that completes after QEMU is gone must not keep this process alive.
  void monitorReady.then((late) => late.close()).catch(() => undefined);
  const totalMs = performance.now() - started;

  const serialLog = serial.text;
  const nodeExit = serial.exitCode;
  let report: GuestReport | undefined;
  const reportFile = join(shareDir, REPORT_FILE);
  if (existsSync(reportFile)) {
    try {
      const decoded = GuestReport.decode(JSON.parse(await readFile(reportFile, "utf8")));
      if (isLeft(decoded)) throw new Error(PathReporter.report(decoded).join("; "));
      report = decoded.right;
    } catch (err) {
      failure ??= `the guest report is malformed: ${(err as Error).message}`;
    }
  }
  if (failure === undefined) {
    if (nodeExit === undefined)
      failure = `QEMU exited (code ${exitCode}) before the guest runner finished`;
    else if (nodeExit !== 0) failure = `the guest runner exited with code ${nodeExit}`;
    else if (report === undefined) failure = "the guest runner wrote no report";
    else if (!report.finished) failure = "the guest runner stopped before running every test";
  }

  await mkdir(join(cacheDir, "logs"), { recursive: true });
  await writeFile(join(cacheDir, "logs", `${options.suite}.serial.log`), serialLog);
  const keep = failure !== undefined || process.env["RXUIO_LAB_KEEP"] !== undefined;
  if (!keep) await rm(shareDir, { recursive: true, force: true });
  if (failure !== undefined)
    failure += ` (the run's share, with run.sh and report.json, is kept at ${shareDir})`;
  return {
    report,
    failure,
    serialLog,
    bootMs,
    totalMs,
    keptShareDir: keep ? shareDir : undefined,
    command: [tools.qemu, ...args],
  };
}
