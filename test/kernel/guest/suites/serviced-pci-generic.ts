import { defineGuestSuite } from "../runner/guest-suite.js";
import { servicedEduTests } from "../serviced-edu.js";

/** serviced() on edu under uio_pci_generic: ack from the status, INTx re-armed natively. */
export default defineGuestSuite(servicedEduTests("uio_pci_generic"));
