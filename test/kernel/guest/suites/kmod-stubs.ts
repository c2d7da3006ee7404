import { eduTests } from "../kmod-edu.js";
import { pcitestdevTests } from "../kmod-pcitestdev.js";
import { permissionTests } from "../kmod-permissions.js";
import { vadcTests } from "../kmod-vadc.js";
import { defineGuestSuite } from "../runner/guest-suite.js";

/**
 * The three kernel stubs of kmod/ in one guest boot (boots are the expensive
 * part under TCG): the port-I/O stub, the virtual ADC, the permission check,
 * then uio_edu, whose last test hot-unplugs the device.
 */
export default defineGuestSuite({
  ...pcitestdevTests,
  ...vadcTests,
  ...permissionTests,
  ...eduTests,
});
