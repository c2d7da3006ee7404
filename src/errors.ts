/**
 * Every failure rxuio reports is an {@link RxuioError} with one of these
 * stable codes. Codes are part of the public API: match on `err.code`, never
 * on the message (messages explain what to do and may improve over time).
 */
export const ErrorCodes = {
  /** No UIO device matches the index or name, or it disappeared. */
  ENODEV: "ENODEV",
  /** The process may not open/map the device (permissions, capabilities). */
  EACCES: "EACCES",
  /** An index (map, port region, register) or offset is out of range. */
  ERANGE: "ERANGE",
  /** An offset is not aligned to the access width. */
  EALIGN: "EALIGN",
  /** The device, region or stream was closed (or the device unplugged). */
  ECLOSED: "ECLOSED",
  /** The operation is not supported by this device, driver or platform. */
  ENOSYS: "ENOSYS",
  /** Data from sysfs, JSON or the user did not decode (bad shape or value). */
  EDECODE: "EDECODE",
  /** An argument is of the wrong type or value (not a decode of external data). */
  EINVAL: "EINVAL",
  /** A system call failed for a reason not covered by a more specific code. */
  EIO: "EIO",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface RxuioErrorDetails {
  /** What failed: a sysfs file, a device path, a register name, a JSON path. */
  readonly path?: string;
  /** The offending value, when there is one. */
  readonly value?: unknown;
  /** The errno name of the underlying system call failure (e.g. "EAGAIN"). */
  readonly errno?: string;
  /** The system call that failed (e.g. "mmap"). */
  readonly syscall?: string;
  /** What the user can do about it. Appended to the message. */
  readonly hint?: string;
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/**
 * The one error class of rxuio. `code` is stable and machine-readable; the
 * message says what happened and, through `hint`, what to do next.
 */
export class RxuioError extends Error {
  override readonly name = "RxuioError";
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly value: unknown;
  readonly errno: string | undefined;
  readonly syscall: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: RxuioErrorDetails = {}) {
    super(details.hint ? `${message}. ${details.hint}` : message, { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.value = details.value;
    this.errno = details.errno;
    this.syscall = details.syscall;
    this.hint = details.hint;
  }
}

/** True when `err` is an {@link RxuioError}, optionally with the given code. */
export function isRxuioError(err: unknown, code?: ErrorCode): err is RxuioError {
  return err instanceof RxuioError && (code === undefined || err.code === code);
}
