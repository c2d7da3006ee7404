import * as t from "io-ts";

/**
 * What the guest runner and the host harness exchange through the run's
 * writable 9p share. Both sides import these codecs, so the format cannot
 * drift; the host decodes everything the guest wrote before trusting it.
 *
 *   <share>/run.sh                 host → guest: this run's setup (run-script.ts)
 *   <share>/report.json            guest → host: GuestReport, rewritten after every test
 *   <share>/requests/<id>.json     guest → host: GuestRequest (e.g. a QEMU monitor command)
 *   <share>/replies/<id>.json      host → guest: GuestReply to the request with the same id
 */
export const REPORT_FILE = "report.json";
export const REQUESTS_DIR = "requests";
export const REPLIES_DIR = "replies";

export const GuestError = t.intersection([
  t.type({ message: t.string }),
  t.partial({
    name: t.string,
    stack: t.string,
    /** RxuioError.code (or a Node errno code) when the error had one. */
    code: t.string,
  }),
]);
export type GuestError = t.TypeOf<typeof GuestError>;

export const GuestTestResult = t.intersection([
  t.type({
    name: t.string,
    status: t.union([t.literal("passed"), t.literal("failed")]),
    durationMs: t.number,
  }),
  t.partial({ error: GuestError }),
]);
export type GuestTestResult = t.TypeOf<typeof GuestTestResult>;

export const GuestReport = t.type({
  suite: t.string,
  /** `uname -r` of the guest and the node that ran the suite. */
  kernel: t.string,
  node: t.string,
  /** False until every test has run; a crash mid-suite leaves it false. */
  finished: t.boolean,
  tests: t.array(GuestTestResult),
});
export type GuestReport = t.TypeOf<typeof GuestReport>;

/** Runs an HMP command line (e.g. "device_del edu0") on the guest's QEMU monitor. */
export const MonitorRequest = t.type({ kind: t.literal("monitor"), command: t.string });
export const GuestRequest = MonitorRequest;
export type GuestRequest = t.TypeOf<typeof GuestRequest>;

export const GuestReply = t.union([
  t.type({ ok: t.literal(true), output: t.string }),
  t.type({ ok: t.literal(false), error: t.string }),
]);
export type GuestReply = t.TypeOf<typeof GuestReply>;
