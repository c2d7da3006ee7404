import { RxuioError, type ErrorCode } from "../errors.js";

/**
 * The one place native failures become RxuioErrors. The addon throws plain
 * Errors whose `code` is either one of rxuio's own (ECLOSED, ERANGE, EALIGN,
 * EINVAL, ENODEV, EIO, EACCES, ENOSYS) or an errno name from a failed system
 * call, with `errno`/`syscall`/`path` set; see native/errors.h.
 */

/** errno names and native codes → the stable rxuio code. Unlisted errnos are EIO. */
const CODE_FOR_NATIVE: Readonly<Record<string, ErrorCode>> = {
  ECLOSED: "ECLOSED",
  ERANGE: "ERANGE",
  EALIGN: "EALIGN",
  EINVAL: "EINVAL",
  EIO: "EIO",
  ENOSYS: "ENOSYS",
  EOPNOTSUPP: "ENOSYS",
  ENOTTY: "ENOSYS",
  EACCES: "EACCES",
  EPERM: "EACCES",
  EROFS: "EACCES",
  ENOENT: "ENODEV",
  ENODEV: "ENODEV",
  ENXIO: "ENODEV",
  EOVERFLOW: "ERANGE",
  // Only a write to an fd opened read-only gets here (closed fds are ECLOSED first).
  EBADF: "EACCES",
};

/** What to do next, per rxuio code, when the caller has nothing more specific. */
const DEFAULT_HINT: Partial<Record<ErrorCode, string>> = {
  ECLOSED: "Open the device (or region) again to keep using it",
  EACCES:
    'Run as root, or give your user access with a udev rule such as SUBSYSTEM=="uio", GROUP="uio", MODE="0660"',
  ENODEV: "Check that the device exists (rxuio list) and was not unplugged",
  EALIGN: "Use an offset that is a multiple of the access width in bytes",
};

export interface NativeErrorContext {
  /** The device or file involved, when the native error does not name it. */
  readonly path?: string;
  /** The offending value, when the caller knows it. */
  readonly value?: unknown;
  /** Hints per rxuio code, overriding the defaults. */
  readonly hints?: Partial<Record<ErrorCode, string>>;
}

function stringProperty(err: object, key: string): string | undefined {
  const value = (err as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

/** Maps anything the addon threw (or passed to onError) to an RxuioError. */
export function fromNative(err: unknown, context: NativeErrorContext = {}): RxuioError {
  if (err instanceof RxuioError) return err;
  if (typeof err !== "object" || err === null) {
    return new RxuioError("EIO", `Native call failed: ${String(err)}`, { cause: err, ...context });
  }
  const nativeCode = stringProperty(err, "code");
  const syscall = stringProperty(err, "syscall");
  const code: ErrorCode = (nativeCode !== undefined && CODE_FOR_NATIVE[nativeCode]) || "EIO";
  const message = stringProperty(err, "message") ?? "Native call failed";
  // An errno is only meaningful when a system call failed.
  const errno = syscall !== undefined ? nativeCode : undefined;
  return new RxuioError(code, message, {
    path: stringProperty(err, "path") ?? context.path,
    value: context.value,
    errno,
    syscall,
    hint: context.hints?.[code] ?? DEFAULT_HINT[code],
    cause: err,
  });
}
