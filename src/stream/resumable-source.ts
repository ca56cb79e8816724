// A MessageSource that reopens itself (ARCHITECTURE.md, "The stream's seam"): it reads an inner
// source, keeps the response id and the highest `sequence_number` received, and when the inner
// source fails in a way worth resuming (a reset, an end before the terminal event, `[DONE]` before
// one, the idle timeout) it calls `reopen(N)` (GET /responses/{id}?stream=true&starting_after=N)
// and reads on, dropping the replayed messages (numbered N or less, or at or below the highest
// received). The reader does not change. A resume after a reply that brought no new event waits
// first (`pause`), and `maxStalls` of them in a row end the stream: a server that ends every GET at
// once is not asked again in a tight loop.
import {
  AbortError,
  CodexApiError,
  StreamError,
  StreamIdleTimeoutError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import type { Scrubber } from "../transport/redact.js";
import { callHook, type Logger, type Telemetry } from "../transport/telemetry.js";
import { createdId, sequenceOf } from "./sequence.js";
import type { MessageSource, StreamMessage } from "./source.js";

/** Why a stream was resumed, as `onResume` reports it. */
export type ResumeReason = "reset" | "ended_early" | "idle";

/** Opens the stream again after `startingAfter` (undefined: from its start); `signal` ends it. */
export type Reopen = (
  startingAfter: number | undefined,
  signal: AbortSignal,
) => Promise<MessageSource>;

/** How a resumable source resumes. */
export interface ResumableOptions {
  reopen: Reopen;
  /** Resumes allowed over the stream's life (a non-negative integer). */
  maxResumes: number;
  /**
   * GETs in a row after which, none having brought a new event, the stream ends with a StreamError
   * (`code: "resume_no_progress"`): the retry policy's `maxAttempts`. The opening GET of
   * `resume(id)` counts.
   */
  maxStalls: number;
  /** The wait before the `n`-th GET in a row with no new event since the one before (n ≥ 1). */
  pauseMs: (n: number) => number;
  /** Waits `ms`, or rejects when `signal` aborts (the source's, with the caller's). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Known from the start (`client.responses.resume(id)`); else read from `response.created`/`queued`. */
  responseId?: string | undefined;
  /** Where a resume of a persisted stream starts: its first reply is read as a resumed one. */
  startingAfter?: number | undefined;
  details: ErrorDetails;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
  /** Cleans the response id `onResume` reports (a server may echo a secret into it). */
  scrubber?: Scrubber | undefined;
}

/** Why `error` may be resumed, or undefined when it may not. */
function reasonOf(error: unknown): ResumeReason | undefined {
  if (error instanceof StreamIdleTimeoutError) return "idle";
  if (error instanceof StreamError && error.retryable) return "reset";
  return undefined;
}

/** A source over one reply after another of the same response; see the file's opening comment. */
export class ResumableSource implements MessageSource {
  onFail: ((error: CodexApiError) => void) | undefined;
  private inner: MessageSource;
  private readonly options: ResumableOptions;
  private readonly out: StreamMessage[] = [];
  private readonly controller = new AbortController();
  private responseId: string | undefined;
  private highest: number | undefined; // of the messages received
  private boundary: number | undefined; // after a resume: the first new message must be this + 1
  private replayed = false; // a reply after a resume point: a message numbered ≤ highest is a repeat
  private repeats = 0; // repeats dropped from the current reply
  private resumes = 0;
  private stalls: number; // GETs in a row at this resume point with no new event
  private progressed = false; // a message was handed on since the last GET
  private delivered = false; // a message was handed on
  private trailing = false; // one without a sequence number was, after the highest numbered one
  private earlier = 0; // bytes of the replies before the current one
  private innerFailure: CodexApiError | undefined; // the inner source failed while no read was pending
  private ended = false; // `[DONE]` came: the next read resumes
  private pending = false;
  private cancelled = false;

  constructor(first: MessageSource, options: ResumableOptions) {
    this.options = options;
    this.responseId = options.responseId;
    this.highest = options.startingAfter;
    // A persisted stream continues after a resume point too: nothing at or below it, no gap.
    this.boundary = options.startingAfter;
    this.replayed = options.startingAfter !== undefined;
    // `resume(id)`: the first reply is a GET too.
    this.stalls = options.responseId !== undefined ? 1 : 0;
    this.inner = this.adopt(first);
  }

  /** The response id, once known. */
  get id(): string | undefined {
    return this.responseId;
  }

  get bytes(): number {
    return this.earlier + this.inner.bytes;
  }

  async read(): Promise<readonly StreamMessage[] | null> {
    this.pending = true;
    try {
      for (;;) {
        const failure = this.takeFailure();
        let messages: readonly StreamMessage[] | null;
        try {
          if (failure) throw failure;
          messages = this.ended ? null : await this.inner.read();
        } catch (error) {
          await this.resume(error, reasonOf(error));
          continue;
        }
        if (messages === null) {
          if (!(await this.resume(undefined, "ended_early"))) return null;
          continue;
        }
        const passed = this.pass(messages);
        if (passed.length > 0) this.progressed = this.delivered = true;
        if (passed.length > 0 || !this.ended) return passed;
      }
    } finally {
      this.pending = false;
    }
  }

  complete(): void {
    this.inner.complete();
  }

  cancel(reason?: CodexApiError): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller.abort(reason);
    this.inner.cancel(reason);
  }

  private adopt(source: MessageSource): MessageSource {
    source.onFail = (error) => {
      this.innerFailure = error;
      // Resumable: the next read resumes. Otherwise the reader is told now.
      if (!this.pending && !this.resumable(error)) this.onFail?.(error);
    };
    return source;
  }

  private takeFailure(): CodexApiError | undefined {
    const failure = this.innerFailure;
    this.innerFailure = undefined;
    return failure;
  }

  private resumable(error: unknown): boolean {
    return reasonOf(error) !== undefined && this.canResume();
  }

  private canResume(): boolean {
    return (
      !this.cancelled && this.responseId !== undefined && this.resumes < this.options.maxResumes
    );
  }

  /**
   * Reopens the stream after a failure (`error`, or undefined for an early end), or gives up:
   * rethrows `error`, or returns false for an early end that cannot be resumed.
   */
  private async resume(error: unknown, reason: ResumeReason | undefined): Promise<boolean> {
    if (reason !== undefined) this.checkProgress(error);
    if (reason === undefined || !this.canResume()) {
      if (error !== undefined) throw error;
      return false;
    }
    const { options } = this;
    const startingAfter = this.highest;
    // Nothing delivered carried a sequence number: a GET from the start would repeat it all.
    if (startingAfter === undefined && this.delivered) {
      throw this.eventsLost("the events delivered carry no sequence_number to resume after");
    }
    // One delivered after it has none: a GET after it would repeat that one, or skip it.
    if (this.trailing) {
      throw this.eventsLost(`an event delivered after sequence number ${startingAfter} has none`);
    }
    // The first GET after a new event goes at once: a drop mid-stream costs no wait.
    const delayMs = this.stalls > 0 ? options.pauseMs(this.stalls) : 0;
    this.stalls++;
    this.resumes++;
    const { responseId, resumes } = this;
    const id = options.scrubber?.text(responseId!) ?? responseId!;
    const info = { responseId: id, startingAfter, resumes, reason, delayMs };
    callHook(options.telemetry?.onResume, info, options.logger, "onResume");
    this.earlier += this.inner.bytes;
    this.inner.cancel();
    this.ended = false;
    if (delayMs > 0) await this.pause(delayMs);
    const next = await options.reopen(startingAfter, this.controller.signal).catch((e: unknown) => {
      throw refusedResume(e, id, startingAfter);
    });
    if (this.cancelled) {
      next.cancel();
      throw new AbortError("the stream was cancelled while it resumed", options.details);
    }
    this.inner = this.adopt(next);
    this.boundary = startingAfter;
    this.replayed = true;
    this.repeats = 0;
    return true;
  }

  /**
   * The messages to hand on: without `[DONE]` (an early end: the next read resumes) and, in a reply
   * after a resume point, without repeats (numbered at or below the highest received), checked for
   * a gap at the boundary (the reader checks that every event is of this response).
   */
  private pass(messages: readonly StreamMessage[]): readonly StreamMessage[] {
    // Most batches pass whole: the first reply, its id known.
    if (!this.replayed && this.responseId !== undefined) {
      for (let i = 0; i < messages.length; i++) {
        const data = messages[i]!.data;
        if (data === "[DONE]") return this.endAt(messages, i);
        const seq = sequenceOf(data);
        if (seq === undefined) this.trailing = true;
        else if (this.highest === undefined || seq > this.highest) {
          this.highest = seq;
          this.trailing = false;
        }
      }
      return messages;
    }
    const out = this.out;
    out.length = 0;
    for (const message of messages) {
      const { data } = message;
      if (data === "[DONE]") {
        this.ended = true;
        break;
      }
      const seq = sequenceOf(data);
      if (this.responseId === undefined) this.responseId = createdId(data);
      if (seq === undefined && this.boundary !== undefined) throw this.unnumbered(this.boundary);
      if (seq !== undefined && !this.admit(seq)) continue;
      if (seq === undefined) this.trailing = true;
      else if (seq >= this.highest!) this.trailing = false;
      out.push(message);
    }
    return out;
  }

  /** The messages before the `[DONE]` at `i`; the next read resumes. */
  private endAt(messages: readonly StreamMessage[], i: number): readonly StreamMessage[] {
    this.ended = true;
    this.out.length = 0;
    for (let j = 0; j < i; j++) this.out.push(messages[j]!);
    return this.out;
  }

  /** Whether a message numbered `seq` goes on (false: a repeat); throws on a gap. */
  private admit(seq: number): boolean {
    const { boundary, highest } = this;
    if (boundary !== undefined) {
      if (seq <= boundary) return this.repeat();
      this.boundary = undefined;
      if (seq !== boundary + 1) throw this.lost(boundary, seq);
    } else if (this.replayed && highest !== undefined && seq <= highest) return this.repeat();
    if (highest === undefined || seq > highest) this.highest = seq;
    return true;
  }

  /**
   * Drops a repeat. A reply cannot honestly repeat more messages than there are numbers up to the
   * highest (each at most once): past that it loops, and the stream ends instead of waiting on it.
   */
  private repeat(): false {
    if (++this.repeats <= (this.highest ?? 0) + 1) return false;
    const message = `the resumed reply repeats events without end (${this.repeats} at or below sequence number ${this.highest})`;
    throw new StreamError(message, { ...this.options.details, retryable: false });
  }

  /**
   * Counts the GETs in a row at this resume point that brought no new event, and ends the stream
   * when `maxStalls` did (it says more than "resumes used up" when both hold, so it comes first).
   */
  private checkProgress(error: unknown): void {
    if (this.progressed) this.stalls = 0;
    this.progressed = false;
    const stuck = this.stalls >= this.options.maxStalls;
    if (stuck && !this.cancelled && this.responseId !== undefined) throw this.stalled(error);
  }

  /** Waits `ms` before a GET; a cancel during the wait ends the stream with AbortError. */
  private async pause(ms: number): Promise<void> {
    const { options } = this;
    try {
      if (!this.cancelled) await options.sleep(ms, this.controller.signal);
    } catch (error) {
      if (!this.cancelled) throw error;
    }
    if (this.cancelled) {
      throw new AbortError("the stream was cancelled while it waited to resume", options.details);
    }
  }

  /** `maxStalls` GETs in a row brought no new event: the server is not asked again. */
  private stalled(cause: unknown): StreamError {
    const { responseId, highest, stalls } = this;
    const after = highest === undefined ? "from its start" : `after sequence number ${highest}`;
    const message =
      `no progress resuming ${responseId} ${after}: ${stalls} GET(s) in a row brought no new event` +
      " (has the response ended before that point, or does the server end every reply at once?)";
    const details = { ...this.options.details, code: "resume_no_progress", retryable: false };
    return new StreamError(message, cause === undefined ? details : { ...details, cause });
  }

  /** A resumed reply whose first event has no `sequence_number`: nothing tells what was missed. */
  private unnumbered(after: number): StreamError {
    return this.eventsLost(`resumed after sequence number ${after}, the next event has none`);
  }

  private lost(after: number, seq: number): StreamError {
    return this.eventsLost(`resumed after sequence number ${after}, the next one is ${seq}`);
  }

  private eventsLost(what: string): StreamError {
    const details = { ...this.options.details, code: "events_lost", retryable: false };
    return new StreamError(`events were lost: ${what}`, details);
  }
}

/**
 * A resume GET's failure (a 404, the 400 of an expired response, retries used up) with its message
 * saying which resume it was; that of the opening GET of `resume(id)` carries the id and the point.
 */
export function refusedResume(error: unknown, id: string, after: number | undefined): unknown {
  if (!(error instanceof CodexApiError) || error instanceof AbortError) return error;
  const point = after === undefined ? "from its start" : `after sequence number ${after}`;
  error.message += ` (resuming ${id} ${point})`;
  error.responseId ??= id;
  if (after !== undefined) error.lastSequenceNumber ??= after;
  return error;
}
