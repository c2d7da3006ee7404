import { Observable } from "rxjs";

/**
 * A source that emits `value(0)`, `value(1)`, … (up to 100) synchronously
 * while its subscriber is open, recording each index it produced: an
 * operator that passes unsubscription upstream stops it as soon as
 * downstream has enough.
 */
export function synchronousSource(value: (index: number) => number): {
  readonly source: Observable<number>;
  readonly produced: number[];
} {
  const produced: number[] = [];
  const source = new Observable<number>((subscriber) => {
    for (let i = 0; i < 100 && !subscriber.closed; i++) {
      produced.push(i);
      subscriber.next(value(i));
    }
    subscriber.complete();
  });
  return { source, produced };
}
