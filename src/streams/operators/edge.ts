import { Observable, type MonoTypeOperatorFunction } from "rxjs";

export type EdgeKind = "rising" | "falling" | "both";

/**
 * Emits the values at which a level changes: from zero/false to non-zero/true
 * ("rising"), the other way ("falling"), or either ("both"). The first value
 * only sets the initial level; it is not an edge.
 *
 * ```
 * source:           --0--1--1--0--1--|
 * edge("rising"):   -----1--------1--|
 * edge("falling"):  -----------0-----|
 * ```
 *
 * ```ts
 * poll(regs.status, 1).pipe(field(regs.status.fields.done), edge("rising")).subscribe(onDone);
 * ```
 *
 * @see changes
 * @param kind Which transitions to emit (default "rising").
 * @return The value after each matching transition.
 */
export function edge<T extends number | bigint | boolean>(
  kind: EdgeKind = "rising",
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let level: boolean | undefined;
      return source.subscribe({
        next(value) {
          const high = Boolean(value);
          const previous = level;
          level = high;
          if (previous === undefined || previous === high) return;
          if (kind === "both" || (kind === "rising") === high) subscriber.next(value);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
