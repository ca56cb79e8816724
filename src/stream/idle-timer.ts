// The idle timer of a stream (SSE or WebSocket): fires when no message arrived for `ms` while the
// reader was waiting for bytes. Armed once and re-armed only when it fires early, which is cheaper
// than a reset per message; time the caller spends between reads does not count. It does not keep
// the process alive by itself (README "Options").
import { StreamIdleTimeoutError, type ErrorDetails } from "../errors/catalogue.js";
import { unrefTimer } from "../util.js";

/** Counts idle time; `onIdle` is called once when it passes `ms` (never for `Infinity`). */
export class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastMessageAt = performance.now();
  // Until the first read, the stream waits for its caller: a stream never iterated is released too.
  #waiting = true;

  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
    if (Number.isFinite(ms)) this.#arm(ms);
  }

  /** The caller asked for the next message: idle time counts from now or the last message. */
  start(): void {
    this.#lastMessageAt = Math.max(this.#lastMessageAt, performance.now());
  }

  /** The reader waits for bytes. */
  waiting(): void {
    this.#waiting = true;
  }

  /** Bytes arrived; `message` says whether they completed a message (which resets the count). */
  received(message: boolean): void {
    this.#waiting = false;
    if (message) this.#lastMessageAt = performance.now();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      if (!this.#waiting) return this.#arm(this.#ms);
      const idle = performance.now() - this.#lastMessageAt;
      if (idle + 1 < this.#ms) return this.#arm(this.#ms - idle);
      this.#timer = undefined;
      this.#onIdle();
    }, ms);
    // The timer alone never holds the process: a pending read holds it through its connection.
    unrefTimer(this.#timer);
  }
}

/** The error of a stream that stayed silent past its idle timeout. */
export function idleError(
  ms: number,
  bytes: number,
  details: ErrorDetails,
): StreamIdleTimeoutError {
  const message = `no event for ${ms} ms (idle timeout) after byte ${bytes}`;
  return new StreamIdleTimeoutError(message, details);
}
