import { WriteSink, type Sink } from "./sink.js";

/** Something to write: a bound register or field, or a function. */
export type SinkTarget<V> =
  { readonly name?: string; write(value: V): void } | ((value: V) => void);

/**
 * An Observer that writes each value to a register (or field). Refused or
 * failed writes (ENOSYS on a read-only register, ECLOSED, EINVAL) are
 * reported on `errors$`.
 *
 * ```ts
 * const out = sink(regs.dac);
 * out.errors$.subscribe(report);
 * levels$.subscribe(out);
 * ```
 */
export function sink<V>(target: SinkTarget<V>): Sink<V> {
  if (typeof target === "function") return new WriteSink(target, "sink");
  return new WriteSink((value: V) => target.write(value), `register ${target.name ?? "(unnamed)"}`);
}
