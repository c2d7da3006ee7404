import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GuestSuite } from "./runner/guest-suite.js";

/**
 * Opening a real /dev/uioN without permission. The guest runs as root, which
 * bypasses file modes, so the attempt runs in a child node process as
 * nobody (uid/gid 65534) against devtmpfs's default root-only 0600 node.
 */
const NOBODY = 65534;
const uioDeviceModule = new URL("../../../src/devices/uio-device.js", import.meta.url).href;

const OPEN_AS_CHILD = `
const { UioDevice } = await import(process.env.RXUIO_MODULE);
try {
  (await UioDevice.open(process.env.RXUIO_DEVICE)).close();
  console.log(JSON.stringify({ opened: true }));
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message, hint: err.hint, path: err.path }));
}`;

interface ChildOutcome {
  readonly opened?: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly hint?: string;
  readonly path?: string;
}

export const permissionTests: GuestSuite = {
  "a user without access to /dev/uioN gets EACCES saying how to get access": async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", OPEN_AS_CHILD],
      {
        uid: NOBODY,
        gid: NOBODY,
        env: { RXUIO_MODULE: uioDeviceModule, RXUIO_DEVICE: "uio_vadc" },
      },
    );
    const outcome = JSON.parse(stdout) as ChildOutcome;
    assert.equal(outcome.code, "EACCES", `as nobody: ${stdout}`);
    assert.match(outcome.path ?? "", /^\/dev\/uio\d+$/);
    assert.match(outcome.hint ?? "", /udev rule/);
  },
};
