import { describe, expect, it } from "vitest";
import { SerialConsole } from "../kernel/lab/serial-console.js";

describe("SerialConsole", () => {
  it("parses a marker that arrives in pieces only once its line is complete", () => {
    const serial = new SerialConsole();
    serial.append("[    1.2] virtio\r\nRXUIO-LAB-FAIL insmod ");
    expect(serial.setupFailure).toBeUndefined();
    serial.append("/host/etc/hostname failed (see the kernel");
    serial.append(" messages above)\r\n");
    expect(serial.setupFailure).toBe(
      "insmod /host/etc/hostname failed (see the kernel messages above)",
    );
    expect(serial.text).not.toContain("\r");
  });

  it("reports readiness once, on the chunk that completes the line", () => {
    const serial = new SerialConsole();
    expect(serial.append("RXUIO-LAB-STAGE binding\nRXUIO-LAB-RE")).toBe(false);
    expect(serial.append("ADY\n")).toBe(true);
    expect(serial.append("more output\n")).toBe(false);
    expect(serial.ready).toBe(true);
  });

  it("keeps the first setup failure and the runner's exit code", () => {
    const serial = new SerialConsole();
    serial.append("RXUIO-LAB-FAIL first\nRXUIO-LAB-FAIL second\n");
    expect(serial.setupFailure).toBe("first");
    expect(serial.exitCode).toBeUndefined();
    serial.append("RXUIO-LAB-EXIT 3\n");
    expect(serial.exitCode).toBe(3);
  });

  it("bounds the text to the newest output and gives a tail", () => {
    const serial = new SerialConsole(10);
    serial.append("0123456789abcdef\n");
    expect(serial.text).toBe("789abcdef\n");
    const long = new SerialConsole();
    long.append(Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n"));
    expect(long.tail(2)).toBe("line 98\nline 99");
  });
});
