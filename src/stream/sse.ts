// Bytes -> SSE messages, by the WHATWG event-stream rules: CR, LF and CRLF each end a line (a CR at
// the end of a chunk ends its line at once; an LF that follows is skipped), a blank line dispatches
// the message, comments and `retry:` are not messages, a message without its blank line at the end of
// the body is discarded. Byte offsets and sizes are counted as lines are consumed, so both are exact
// and linear; a message larger than `maxEventBytes` stops decoding.

/** One SSE message. */
export interface SseMessage {
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The `event:` field, when one was given. */
  event?: string;
  /** The `id:` field, when one was given. */
  id?: string;
  /** The byte offset in the body just past the blank line that ended it. */
  end: number;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
// "data:", "event:", "id:" as bytes, for matching a field name without decoding it.
const DATA = [100, 97, 116, 97];
const EVENT = [101, 118, 101, 110, 116];
const ID = [105, 100];

function startsWithField(line: Uint8Array, name: number[]): boolean {
  const n = name.length;
  if (line.length > n && line[n] !== COLON) return false;
  for (let i = 0; i < n; i++) if (line[i] !== name[i]) return false;
  return true;
}

/** Feeds body chunks; the messages each chunk completes are appended to `messages`. */
export class SseDecoder {
  readonly messages: SseMessage[] = [];
  /** True once a message (or one line) grew past `maxEventBytes`; nothing is decoded after. */
  overflow = false;
  readonly #max: number;
  readonly #text = new TextDecoder();
  #bytes = 0; // body bytes consumed
  #messageStart = 0; // where the message being read began
  // A line split across chunks is gathered in one reused buffer: a fresh array per line would leave
  // backing stores for the collector to free, and memory would not stay flat on long streams.
  #partial = new Uint8Array(0);
  #partialBytes = 0;
  #skipLf = false; // the last chunk ended in CR
  #bomChecked = false;
  #data: string | undefined;
  #event: string | undefined;
  #id: string | undefined;

  constructor(maxEventBytes = Infinity) {
    this.#max = maxEventBytes;
  }

  /** Bytes of the body received so far. */
  get bytes(): number {
    return this.#bytes + this.#partialBytes;
  }

  /** Decodes one chunk; the messages it completes land in `messages`. */
  push(chunk: Uint8Array): void {
    if (this.overflow) return;
    let pos = 0;
    if (this.#skipLf && chunk.length > 0) {
      this.#skipLf = false;
      if (chunk[0] === LF) {
        pos = 1;
        this.#bytes++;
      }
    }
    let lf = chunk.indexOf(LF, pos);
    let cr = chunk.indexOf(CR, pos);
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      let next = end + 1;
      if (chunk[end] === CR) {
        if (next === chunk.length) this.#skipLf = true;
        else if (chunk[next] === LF) next++;
      }
      this.#line(this.#joined(chunk.subarray(pos, end)), next - pos);
      if (this.overflow) return;
      pos = next;
      if (lf !== -1 && lf < pos) lf = chunk.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
    }
    if (pos < chunk.length) {
      this.#append(chunk.subarray(pos));
      this.#checkSize();
    }
  }

  /** The body ended: an unterminated line or message is discarded. */
  end(): void {
    this.#partialBytes = 0;
  }

  #append(bytes: Uint8Array): void {
    const needed = this.#partialBytes + bytes.length;
    if (needed > this.#partial.length) {
      const grown = new Uint8Array(Math.max(needed, this.#partial.length * 2, 1024));
      grown.set(this.#partial.subarray(0, this.#partialBytes));
      this.#partial = grown;
    }
    this.#partial.set(bytes, this.#partialBytes);
    this.#partialBytes = needed;
  }

  /** The line's bytes, with any part held from earlier chunks in front. */
  #joined(tail: Uint8Array): Uint8Array {
    const held = this.#partialBytes;
    if (held === 0) return tail;
    this.#append(tail);
    const line = this.#partial.subarray(0, held + tail.length);
    this.#bytes += held; // `tail` is counted by the caller
    this.#partialBytes = 0;
    // Keep a small buffer for the next split line; let a huge one go.
    if (this.#partial.length > 1 << 20) this.#partial = new Uint8Array(0);
    return line;
  }

  /** One complete line; `consumed` is the bytes of it still to count (its end of line included). */
  #line(line: Uint8Array, consumed: number): void {
    this.#bytes += consumed;
    if (!this.#bomChecked) {
      // A UTF-8 BOM at the very start of the body is not part of the stream.
      this.#bomChecked = true;
      if (line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    }
    if (line.length === 0) return this.#dispatch();
    this.#checkSize();
    if (this.overflow || line[0] === COLON) return;
    if (startsWithField(line, DATA)) {
      const value = this.#value(line, DATA.length);
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    } else if (startsWithField(line, EVENT)) {
      this.#event = this.#value(line, EVENT.length);
    } else if (startsWithField(line, ID)) {
      const id = this.#value(line, ID.length);
      if (!id.includes("\0")) this.#id = id;
    }
  }

  /** The field's value: after the colon and one optional space ("" when there is no colon). */
  #value(line: Uint8Array, nameLength: number): string {
    let start = nameLength + 1;
    if (line[start] === SPACE) start++;
    return start >= line.length ? "" : this.#text.decode(line.subarray(start));
  }

  #dispatch(): void {
    const data = this.#data;
    if (data !== undefined) {
      const message: SseMessage = { data, end: this.#bytes };
      if (this.#event !== undefined) message.event = this.#event;
      if (this.#id !== undefined) message.id = this.#id;
      this.messages.push(message);
    }
    this.#data = undefined;
    this.#event = undefined;
    this.#id = undefined;
    this.#messageStart = this.#bytes;
  }

  #checkSize(): void {
    if (this.#bytes + this.#partialBytes - this.#messageStart > this.#max) this.overflow = true;
  }
}
