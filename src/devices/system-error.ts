import { RxuioError, type ErrorCode } from "../errors.js";

/**
 * Translates a failed Node.js file-system call into an {@link RxuioError}, so
 * callers see the stable codes (and a hint) instead of raw errno exceptions.
 * RxuioErrors pass through unchanged.
 */

/** The errno name of a Node.js system error ("ENOENT"), if it is one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The hint every permission failure carries: how to get access without guessing. */
export const PERMISSION_HINT =
  'Run as root, or install a udev rule such as SUBSYSTEM=="uio", GROUP="uio", MODE="0660" ' +
  "and add yourself to the uio group";

const CODE_FOR_ERRNO: Readonly<Record<string, ErrorCode>> = {
  ENOENT: "ENODEV",
  ENODEV: "ENODEV",
  ENXIO: "ENODEV",
  EACCES: "EACCES",
  EPERM: "EACCES",
  EROFS: "EACCES",
  ENOSYS: "ENOSYS",
  EINVAL: "EINVAL",
};

export function systemError(err: unknown, path: string, syscall: string): RxuioError {
  if (err instanceof RxuioError) return err;
  const errno = errnoOf(err);
  const code = (errno && CODE_FOR_ERRNO[errno]) || "EIO";
  const reason = err instanceof Error ? err.message : String(err);
  return new RxuioError(code, `Cannot ${syscall} ${path}: ${reason}`, {
    path,
    syscall,
    errno,
    cause: err,
    hint: code === "EACCES" ? PERMISSION_HINT : undefined,
  });
}
