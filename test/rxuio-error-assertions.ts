import { expect } from "vitest";
import { RxuioError, type ErrorCode } from "../src/errors.js";

/** The RxuioError `fn` throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): RxuioError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RxuioError);
    return err as RxuioError;
  }
  throw new Error("expected a throw");
}

/** The RxuioError `promise` rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<RxuioError> {
  const err: unknown = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RxuioError);
  return err as RxuioError;
}

/** `fn` throws an RxuioError with `code`; returns it for further checks. */
export function expectCode(fn: () => unknown, code: ErrorCode): RxuioError {
  const err = thrown(fn);
  expect(err.code, err.message).toBe(code);
  return err;
}
