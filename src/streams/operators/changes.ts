import { Observable, Subscriber, type MonoTypeOperatorFunction } from "rxjs";

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
  equal?: (previous: T, current: T) => boolean,
): MonoTypeOperatorFunction<T> {
  // distinctUntilChanged's semantics (the previous value is the last one
  // emitted; an equality that throws ends the stream) as one Subscriber: its
  // closure per value and comparator call cost more than the test itself on
  // the per-interrupt path (see field.ts, where the same is measured).
  return (source) =>
    new Observable<T>((subscriber) => source.subscribe(new ChangesSubscriber(subscriber, equal)));
}

class ChangesSubscriber<T> extends Subscriber<T> {
  readonly #downstream: Subscriber<T>;
  readonly #equal: ((previous: T, current: T) => boolean) | undefined;
  #seen = false;
  #previous: T | undefined;

  constructor(
    downstream: Subscriber<T>,
    equal: ((previous: T, current: T) => boolean) | undefined,
  ) {
    super(downstream);
    this.#downstream = downstream;
    this.#equal = equal;
  }

  protected override _next(value: T): void {
    if (this.#seen) {
      const equal = this.#equal;
      if (equal === undefined) {
        if (value === this.#previous) return;
      } else {
        try {
          if (equal(this.#previous as T, value)) return;
        } catch (err) {
          this.#downstream.error(err);
          return;
        }
      }
    }
    this.#seen = true;
    this.#previous = value;
    this.#downstream.next(value);
  }
}
