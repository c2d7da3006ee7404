import { fileURLToPath } from "node:url";

/** The project root (where package.json, kmod/ and .lab/ are), wherever the repo is checked out. */
export const PROJECT_DIR = fileURLToPath(new URL("../../../", import.meta.url));
