import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isLeft } from "fp-ts/lib/Either.js";
import { getOrElse } from "fp-ts/lib/Option.js";
import * as t from "io-ts";
import { formatValidationError } from "io-ts-reporters";
import { RxuioError } from "../../errors.js";
import { errnoOf, systemError } from "../system-error.js";

/**
 * Reads one sysfs directory's attribute files (one file per property of
 * `codec`) and decodes them together. A missing file is passed to the codec as
 * `undefined`, so each codec decides whether the attribute is optional. A
 * failure names the exact file and its text, since that is what a user can go
 * and look at.
 */
export async function readAttributes<P extends t.Props>(
  dir: string,
  codec: t.TypeC<P>,
): Promise<t.TypeOf<t.TypeC<P>>> {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(codec.props)) {
    // sysfs ends every value with a newline; dropping it here keeps it out
    // of error messages (the codecs accept it either way).
    raw[key] = (await readAttribute(join(dir, key)))?.replace(/\n$/, "");
  }
  const decoded = codec.decode(raw);
  if (!isLeft(decoded)) return decoded.right;

  const [first] = decoded.left;
  // The context runs from the outer record to the failing property; its last
  // non-empty key is the attribute (file) name.
  const key =
    first?.context
      .map((entry) => entry.key)
      .filter((k) => k !== "")
      .pop() ?? "";
  const file = join(dir, key);
  const text = raw[key];
  if (text === undefined) {
    throw new RxuioError("EDECODE", `Missing sysfs attribute ${file}`, {
      path: file,
      hint: "The driver did not create it; check that this is a UIO class directory of a loaded driver",
    });
  }
  const reason =
    first === undefined
      ? "invalid value"
      : getOrElse(() => "invalid value")(formatValidationError(first));
  throw new RxuioError(
    "EDECODE",
    `Malformed sysfs attribute ${file}: ${JSON.stringify(text)} (${reason})`,
    {
      path: file,
      value: text,
      hint: "Expected the kernel's UIO format; a different kernel or a broken driver may have written it",
    },
  );
}

/** A single attribute's text, or `undefined` when the file does not exist. */
export async function readAttribute(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return undefined;
    throw systemError(err, file, "read");
  }
}
