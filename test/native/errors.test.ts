import { describe, expect, it } from "vitest";
import { RxuioError } from "../../src/errors.js";
import { fromNative } from "../../src/native/errors.js";

function nativeError(code: string, syscall?: string): Error {
  return Object.assign(new Error(`${syscall ?? "op"} failed`), {
    code,
    ...(syscall ? { syscall, errno: 1 } : {}),
  });
}

describe("fromNative", () => {
  it.each([
    ["ECLOSED", undefined, "ECLOSED"],
    ["ERANGE", undefined, "ERANGE"],
    ["EALIGN", undefined, "EALIGN"],
    ["EINVAL", undefined, "EINVAL"],
    ["ENOENT", "open", "ENODEV"],
    ["ENXIO", "open", "ENODEV"],
    ["EPERM", "ioperm", "EACCES"],
    ["EACCES", "open", "EACCES"],
    ["ENOSYS", "write", "ENOSYS"],
    ["EIO", "read", "EIO"],
    ["EBADF", "write", "EACCES"],
    ["EMFILE", "open", "EIO"],
  ] as const)("maps native %s (%s) to %s", (nativeCode, syscall, code) => {
    const err = fromNative(nativeError(nativeCode, syscall));
    expect(err).toBeInstanceOf(RxuioError);
    expect(err.code).toBe(code);
    expect(err.syscall).toBe(syscall);
    // The errno name survives only when a system call failed.
    expect(err.errno).toBe(syscall === undefined ? undefined : nativeCode);
  });

  it("gives permission failures a hint on how to get access", () => {
    expect(fromNative(nativeError("EACCES", "open"), { path: "/dev/uio0" }).message).toMatch(/udev rule/);
  });

  it("prefers the caller's hint and keeps path and value", () => {
    const err = fromNative(nativeError("ENOSYS", "write"), {
      path: "/dev/uio3",
      value: 1,
      hints: { ENOSYS: "use pci-intx" },
    });
    expect(err.message).toBe("write failed. use pci-intx");
    expect(err.path).toBe("/dev/uio3");
    expect(err.value).toBe(1);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it("passes RxuioErrors through and wraps non-errors as EIO", () => {
    const original = new RxuioError("ERANGE", "x");
    expect(fromNative(original)).toBe(original);
    expect(fromNative("boom").code).toBe("EIO");
    expect(fromNative(null).message).toMatch(/null/);
  });
});
