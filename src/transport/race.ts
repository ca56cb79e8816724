// One way to wait for a promise under the caller's signal and a deadline: whichever comes first
// settles the race, the timer and the abort listener are always removed, and a late settlement of
// the promise is dropped (never an unhandled rejection).
import { abortError } from "../errors/map.js";

/** What bounds a wait. */
export interface RaceBounds<T> {
  /** An abort rejects the race with AbortError (its `cause` is the signal's reason). */
  signal?: AbortSignal | undefined;
  /** The deadline (ms); undefined or `Infinity` for none. */
  ms?: number | undefined;
  /** Called when `ms` passes: what it returns settles the race, what it throws rejects it. */
  onTimeout?: () => T;
}

/** `promise`, unless the signal aborts or the deadline passes first (see `RaceBounds`). */
export function race<T>(promise: Promise<T>, bounds: RaceBounds<T>): Promise<T> {
  const { signal, ms = Infinity, onTimeout } = bounds;
  if (signal?.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = () => settle(() => reject(abortError(signal)));
    const onTime = () => {
      try {
        resolve(onTimeout ? onTimeout() : (undefined as T));
      } catch (error) {
        reject(error);
      }
    };
    const timer = Number.isFinite(ms) ? setTimeout(() => settle(onTime), ms) : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    // Settling twice is a no-op: a late answer after an abort or timeout is dropped.
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/** Waits `ms`, or rejects with AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return race(new Promise<void>(() => {}), { signal, ms, onTimeout: () => undefined });
}

/**
 * A signal aborted when either is, with the first one's reason, and how to stop listening.
 * `AbortSignal.any` is not in Node 20.0 (the lowest version the package supports).
 */
export function anySignal(a: AbortSignal | undefined, b: AbortSignal) {
  const both = new AbortController();
  const onA = () => stop(a!);
  const onB = () => stop(b);
  const dispose = () => {
    a?.removeEventListener("abort", onA);
    b.removeEventListener("abort", onB);
  };
  const stop = (from: AbortSignal) => {
    dispose();
    both.abort(from.reason);
  };
  if (a?.aborted) stop(a);
  else if (b.aborted) stop(b);
  else {
    a?.addEventListener("abort", onA, { once: true });
    b.addEventListener("abort", onB, { once: true });
  }
  return { signal: both.signal, dispose };
}
