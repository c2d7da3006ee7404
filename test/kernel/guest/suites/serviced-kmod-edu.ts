import { defineGuestSuite } from "../runner/guest-suite.js";
import { servicedEduTests } from "../serviced-edu.js";

/** serviced() on edu under kmod/uio_edu: the kernel acks, the thread re-arms with irqcontrol. */
export default defineGuestSuite(servicedEduTests("uio_edu"));
