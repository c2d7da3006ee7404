import type { ErrorCode } from "../errors.js";

/**
 * Exit status per error class, so scripts can tell "no such device" from
 * "permission denied" without parsing messages. 2 is the conventional usage
 * error (also what the argument parser uses).
 */
export const EXIT_USAGE = 2;

export const exitCodes: Readonly<Record<ErrorCode, number>> = {
  EIO: 1,
  EINVAL: EXIT_USAGE,
  ENODEV: 3,
  EACCES: 4,
  ERANGE: 5,
  EALIGN: 5,
  ENOSYS: 6,
  EDECODE: 7,
  ECLOSED: 8,
};
