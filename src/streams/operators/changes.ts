import { distinctUntilChanged, type MonoTypeOperatorFunction } from "rxjs";

/**
 * Emits the first value and then only values that differ from the previous
 * one: turns a polled register into a stream of state changes.
 *
 * ```
 * source:      --1--1--2--2--2--1--|
 * changes():   --1-----2--------1--|
 * ```
 *
 * ```ts
 * poll(regs.link, 50).pipe(field(regs.link.fields.up), changes()).subscribe(showLink);
 * ```
 *
 * @see edge
 * @param equal Equality (default `===`, which also compares bigint values).
 * @return Values that differ from their predecessor.
 */
export function changes<T>(
  equal: (previous: T, current: T) => boolean = (a, b) => a === b,
): MonoTypeOperatorFunction<T> {
  // distinctUntilChanged is exactly this; the name says what it means for registers.
  return distinctUntilChanged(equal);
}
