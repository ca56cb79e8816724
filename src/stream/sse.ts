// Bytes -> SSE messages, by the WHATWG event-stream rules: CR, LF and CRLF each end a line (a CR at
// the end of a chunk ends its line at once; an LF that follows is skipped), a blank line dispatches
// the message, comments, `id:` and `retry:` are not kept, a message without its blank line at the end
// of the body is discarded. Each chunk is decoded once (UTF-8, streaming) and scanned as text; byte
// offsets, which only error messages need, are worked out when asked for, from the current chunk.
import { utf8Length } from "../util.js";
import type { StreamMessage } from "./source.js";

/** One SSE message; its `offset` is worked out when asked for, from the chunk that completed it. */
export class SseMessage implements StreamMessage {
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  /** The `event:` field, when one was given. */
  readonly event: string | undefined;
  /** Where it ends in the text of the chunk that completed it (for `offsetAfter`). */
  readonly end: number;
  private readonly decoder: SseDecoder;

  constructor(data: string, event: string | undefined, end: number, decoder: SseDecoder) {
    this.data = data;
    this.event = event;
    this.end = end;
    this.decoder = decoder;
  }

  get offset(): number {
    return this.decoder.offsetAfter(this);
  }
}

const LF = "\n";
const CR = "\r";

/** How many bytes at the end of `chunk` start a UTF-8 sequence that the chunk does not finish. */
function incompleteTail(chunk: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const b = chunk[chunk.length - back]!;
    if (b < 0x80) return 0; // ASCII: nothing pending
    if (b >= 0xc0) {
      const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return needs > back ? back : 0;
    }
  }
  return 0;
}

/** Feeds body chunks; the messages each chunk completes are appended to `messages`. */
export class SseDecoder {
  readonly messages: SseMessage[] = [];
  /** True once a message grew past `maxEventBytes`; nothing is decoded after. */
  overflow = false;
  readonly #max: number;
  readonly #decoder = new TextDecoder();
  #fed = 0; // body bytes received
  #pending = 0; // bytes of an unfinished UTF-8 sequence held by the decoder
  #text = ""; // the current chunk's text
  #textStart = 0; // the body offset of its first byte
  #partial = ""; // a line split across chunks
  #skipLf = false; // the last chunk ended in CR
  #messageBytes = 0; // bytes of the message being read that came in earlier chunks
  #data: string | undefined;
  #event: string | undefined;

  constructor(maxEventBytes = Infinity) {
    this.#max = maxEventBytes;
  }

  /** Bytes of the body received so far. */
  get bytes(): number {
    return this.#fed;
  }

  /** Decodes one chunk; the messages it completes land in `messages`. */
  push(chunk: Uint8Array): void {
    if (this.overflow) return;
    // The decoder drops a BOM at the very start: it still counts as bytes of the body.
    const bom = this.#fed === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
    this.#textStart = this.#fed - this.#pending + (bom ? 3 : 0);
    this.#fed += chunk.length;
    this.#pending = incompleteTail(chunk);
    this.#scan(this.#decoder.decode(chunk, { stream: true }));
  }

  /** The body ended: an unterminated line or message is discarded. */
  end(): void {
    this.#partial = "";
  }

  /**
   * Where `message` ends in the body: just past its blank line. Exact for well-formed UTF-8; `message`
   * must come from the last chunk pushed (a reader maps a chunk's messages before it pushes more).
   */
  offsetAfter(message: SseMessage): number {
    const at = message.end;
    if (!this.messages.includes(message)) return this.#fed;
    return this.#textStart + utf8Length(this.#text.slice(0, at));
  }

  // One loop with the message's state in locals (no method call per line): this is the per-byte
  // path of every stream.
  #scan(text: string): void {
    this.#text = text;
    const { messages } = this;
    const max = this.#max;
    let pos = 0;
    if (this.#skipLf && text.length > 0) {
      this.#skipLf = false;
      if (text[0] === LF) pos = 1;
    }
    let data = this.#data;
    let event = this.#event;
    let carried = this.#messageBytes; // bytes of the message being read, from earlier chunks
    let from = pos; // where, in `text`, the message being read began
    let lf = text.indexOf(LF, pos);
    let cr = text.indexOf(CR, pos);
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      let next = end + 1;
      if (end === cr) {
        if (next === text.length) this.#skipLf = true;
        else if (text[next] === LF) next++;
      }
      let line = text;
      let start = pos;
      let stop = end;
      if (this.#partial) {
        line = this.#partial + text.slice(pos, end);
        this.#partial = "";
        start = 0;
        stop = line.length;
      }
      if (start === stop) {
        // A blank line: the message so far is complete. A UTF-16 code unit is at most 3 bytes of
        // UTF-8, so its size is counted exactly only near the limit.
        if (data !== undefined) {
          const over =
            carried + (next - from) * 3 > max && carried + utf8Length(text.slice(from, next)) > max;
          if (over) {
            this.overflow = true;
            return;
          }
          messages.push(new SseMessage(data, event, next, this));
        }
        data = event = undefined;
        carried = 0;
        from = next;
      } else {
        // A field line: data and event are kept; comments (":"), `id` (no reconnection here uses
        // it), `retry` and other fields are not.
        const c = line.charCodeAt(start);
        if (c === 100 && line.startsWith("data", start)) {
          const value = valueOf(line, start, 4, stop);
          if (value !== undefined) data = data === undefined ? value : `${data}\n${value}`;
        } else if (c === 101 && line.startsWith("event", start)) {
          const value = valueOf(line, start, 5, stop);
          if (value !== undefined) event = value;
        }
      }
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf(CR, pos);
    }
    if (pos < text.length) this.#partial += text.slice(pos);
    this.#data = data;
    this.#event = event;
    this.#messageBytes = carried + utf8Length(text.slice(from));
    if (this.#messageBytes > max) this.overflow = true;
  }
}

/**
 * The value of the field whose name (`nameLength` long) starts the line `text[start, end)`: after the
 * colon and one optional space; "" without a colon; undefined when the line names another field.
 */
function valueOf(text: string, start: number, nameLength: number, end: number): string | undefined {
  const colon = start + nameLength;
  if (colon === end) return "";
  if (text.charCodeAt(colon) !== 58) return undefined;
  const from = colon + 1 < end && text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
  return text.slice(from, end);
}
