// A MessageSource that reopens itself (ARCHITECTURE.md, "The stream's seam"): it reads an inner
// source, keeps the response id and the highest `sequence_number` received, and when the inner
// source fails in a way worth resuming (a reset, an end before the terminal event, `[DONE]` before
// one, the idle timeout) it calls `reopen(N)` (GET /responses/{id}?stream=true&starting_after=N)
// and reads on, dropping the replayed messages (numbered N or less, or at or below the highest
// received). The reader does not change.
import {
  AbortError,
  CodexApiError,
  StreamError,
  StreamIdleTimeoutError,
  type ErrorDetails,
} from "../errors/catalogue.js";
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
  /** Known from the start (`client.responses.resume(id)`); else read from `response.created`/`queued`. */
  responseId?: string | undefined;
  /** Where a resume of a persisted stream starts: its first reply is read as a resumed one. */
  startingAfter?: number | undefined;
  details: ErrorDetails;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
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
    if (reason === undefined || !this.canResume()) {
      if (error !== undefined) throw error;
      return false;
    }
    const { options } = this;
    this.resumes++;
    const startingAfter = this.highest;
    const info = { responseId: this.responseId!, startingAfter, resumes: this.resumes, reason };
    callHook(options.telemetry?.onResume, info, options.logger, "onResume");
    this.earlier += this.inner.bytes;
    this.inner.cancel();
    this.ended = false;
    const next = await options.reopen(startingAfter, this.controller.signal);
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
        if (seq !== undefined && (this.highest === undefined || seq > this.highest))
          this.highest = seq;
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
