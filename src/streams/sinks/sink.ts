import { Subject, type Observable, type Observer } from "rxjs";
import { RxuioError, isRxuioError } from "../../errors.js";

/**
 * An Observer that performs a device write per value. A failed write must
 * not throw into whatever emitted the value (an unrelated stream, a timer),
 * so failures go to `errors$`, and the sink keeps accepting values.
 */
export interface Sink<T> extends Observer<T> {
  /** Write failures, and the error of the stream that fed the sink, as RxuioErrors. */
  readonly errors$: Observable<RxuioError>;
}

export class WriteSink<T> implements Sink<T> {
  private readonly failures = new Subject<RxuioError>();
  readonly errors$ = this.failures.asObservable();

  constructor(
    private readonly write: (value: T) => void,
    /** Names the target in wrapped errors ("irqControl(sim:/dev/uio0)"). */
    private readonly target: string,
  ) {}

  next(value: T): void {
    try {
      this.write(value);
    } catch (err) {
      this.failures.next(
        this.asRxuioError(err, `writing ${String(value)} to ${this.target} failed`),
      );
    }
  }

  error(err: unknown): void {
    this.failures.next(this.asRxuioError(err, `the stream feeding ${this.target} failed`));
  }

  complete(): void {
    this.failures.complete();
  }

  private asRxuioError(err: unknown, what: string): RxuioError {
    if (isRxuioError(err)) return err;
    return new RxuioError("EIO", `${what}: ${err instanceof Error ? err.message : String(err)}`, {
      path: this.target,
      cause: err,
    });
  }
}
