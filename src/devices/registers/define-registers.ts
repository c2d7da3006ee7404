import * as E from "fp-ts/lib/Either.js";
import { RxuioError } from "../../errors.js";
import type { Region } from "../backend.js";
import { bindRegister, type BoundField, type BoundRegister } from "./bound-register.js";
import { decodeRegisterMap, type RegisterMapSpec, type RegisterSpec } from "./register-spec.js";

/**
 * `defineRegisters({...})` declares a register map once; `.bind(region)`
 * returns typed accessors whose types come from the declaration itself:
 *
 * ```ts
 * const edu = defineRegisters({
 *   status: { offset: 0x24, access: "ro", volatile: true, fields: { done: [0, 1] } },
 *   ack: { offset: 0x64, access: "w1c" },
 * });
 * const regs = edu.bind(dev.region(0));
 * if (regs.status.fields.done.read()) regs.ack.write(1); // no read-modify-write
 * ```
 */

// 64-bit registers read as bigint; 8/16/32-bit (and the 32-bit default) as
// number; a width only known at run time (JSON) as either.
export type ValueOf<R> = R extends { readonly width: 64 }
  ? bigint
  : R extends { readonly width: 8 | 16 | 32 }
    ? number
    : "width" extends keyof R
      ? number | bigint
      : number;

type ValueNames<F> = F extends { readonly values: infer V } ? Extract<keyof V, string> : never;

type FieldsOf<R> = R extends { readonly fields?: infer F } ? NonNullable<F> : never;

export type BoundFields<R> = {
  readonly [K in keyof FieldsOf<R>]: BoundField<ValueNames<FieldsOf<R>[K]>>;
};

/** The accessors `bind` returns, one property per declared register. */
export type BoundRegisters<S extends RegisterMapSpec> = {
  readonly [K in keyof S]: BoundRegister<ValueOf<S[K]>, BoundFields<S[K]>>;
};

export interface RegisterMap<S extends RegisterMapSpec> {
  /** The validated declaration. */
  readonly spec: S;
  bind(region: Region): BoundRegisters<S>;
}

function decodeOrThrow(document: unknown, source: string): RegisterMapSpec {
  const decoded = decodeRegisterMap(document);
  if (E.isLeft(decoded)) {
    const problems = decoded.left;
    const first = problems[0] ?? "registers";
    throw new RxuioError("EDECODE", `invalid register map (${source}): ${problems.join("; ")}`, {
      path: pathOf(first),
      value: document,
      hint: "Fix the declaration at the path shown",
    });
  }
  return decoded.right;
}

/** The path a problem names: semantic ones start with it, io-ts-reporters ones say "at <path>". */
function pathOf(problem: string): string {
  return (
    /^Expecting .* at (\S+) but instead got/.exec(problem)?.[1] ?? problem.split(":")[0] ?? problem
  );
}

function makeMap<S extends RegisterMapSpec>(spec: S): RegisterMap<S> {
  return {
    spec,
    bind(region: Region): BoundRegisters<S> {
      const bound: Record<string, BoundRegister> = {};
      for (const [name, reg] of Object.entries(spec) as [string, RegisterSpec][]) {
        bound[name] = bindRegister(name, reg, region);
      }
      // The runtime object is built from the same spec the type is derived from.
      return bound as BoundRegisters<S>;
    },
  };
}

/**
 * Declare a register map. The declaration is validated like JSON is (fields
 * inside their register, offsets aligned, no overlapping fields, named values
 * that fit); a bad one throws RxuioError EDECODE naming the path.
 */
export function defineRegisters<const S extends RegisterMapSpec>(spec: S): RegisterMap<S> {
  decodeOrThrow({ registers: spec }, "defineRegisters");
  return makeMap(spec);
}

/**
 * Load a register map from JSON text or an already parsed document of the
 * form `{ "registers": { "<name>": { "offset": 36, ... } } }`.
 * Throws RxuioError EDECODE with path-precise messages.
 */
export function registersFromJson(json: unknown): RegisterMap<RegisterMapSpec> {
  let document: unknown = json;
  if (typeof json === "string") {
    try {
      document = JSON.parse(json);
    } catch (cause) {
      throw new RxuioError(
        "EDECODE",
        `register map is not valid JSON: ${(cause as Error).message}`,
        {
          cause,
          hint: "Check the file with a JSON linter",
        },
      );
    }
  }
  return makeMap(decodeOrThrow(document, "JSON"));
}
