// Bytes -> SSE messages, by the WHATWG event-stream rules: CR, LF and CRLF each end a line (a CR at
// the end of a chunk ends its line at once; an LF that follows is skipped), a blank line dispatches
// the message, comments and `retry:` are not messages, a message without its blank line at the end
// of the body is discarded. Each chunk is decoded once (UTF-8, streaming) and scanned as text; byte
// offsets, which only error messages need, are worked out when asked for, from the current chunk.

/** One SSE message. */
export interface SseMessage {
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The `event:` field, when one was given. */
  event?: string | undefined;
  /** The `id:` field, when one was given. */
  id?: string | undefined;
  /** Where it ends in the text of the chunk that completed it (for `offsetAfter`). */
  end?: number;
}

const LF = "\n";
const CR = "\r";

/** Bytes of `text` in UTF-8. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}

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
  #messageFrom = 0; // where, in `#text`, the message being read began
  #data: string | undefined;
  #event: string | undefined;
  #id: string | undefined;

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
    if (at === undefined || !this.messages.includes(message)) return this.#fed;
    return this.#textStart + utf8Length(this.#text.slice(0, at));
  }

  #scan(text: string): void {
    this.#text = text;
    let pos = 0;
    if (this.#skipLf && text.length > 0) {
      this.#skipLf = false;
      if (text[0] === LF) pos = 1;
    }
    this.#messageFrom = pos;
    let lf = text.indexOf(LF, pos);
    let cr = text.indexOf(CR, pos);
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      let next = end + 1;
      if (end === cr) {
        if (next === text.length) this.#skipLf = true;
        else if (text[next] === LF) next++;
      }
      if (this.#partial) {
        const line = this.#partial + text.slice(pos, end);
        this.#partial = "";
        if (line.length === 0) this.#dispatch(next);
        else this.#field(line, 0, line.length);
      } else if (end === pos) this.#dispatch(next);
      else this.#field(text, pos, end);
      pos = next;
      if (this.overflow) return;
      if (lf !== -1 && lf < pos) lf = text.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf(CR, pos);
    }
    if (pos < text.length) this.#partial += text.slice(pos);
    this.#messageBytes += utf8Length(text.slice(this.#messageFrom));
    this.#messageFrom = 0;
    if (this.#messageBytes > this.#max) this.overflow = true;
  }

  /** The field line `text[start, end)`: data, event and id are kept; comments and others are not. */
  #field(text: string, start: number, end: number): void {
    const c = text.charCodeAt(start);
    if (c === 58) return; // ":" a comment
    if (c === 100 && text.startsWith("data", start)) {
      const value = valueOf(text, start, 4, end);
      if (value !== undefined)
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    } else if (c === 101 && text.startsWith("event", start)) {
      const value = valueOf(text, start, 5, end);
      if (value !== undefined) this.#event = value;
    } else if (c === 105 && text.startsWith("id", start)) {
      const value = valueOf(text, start, 2, end);
      if (value !== undefined && !value.includes("\0")) this.#id = value;
    }
  }

  /** A blank line ended at `pos` (in the current text): the message so far is complete. */
  #dispatch(pos: number): void {
    const data = this.#data;
    if (data !== undefined) {
      this.#checkSize(pos);
      if (this.overflow) return;
      this.messages.push({ data, event: this.#event, id: this.#id, end: pos });
    }
    this.#data = undefined;
    this.#event = undefined;
    this.#id = undefined;
    this.#messageBytes = 0;
    this.#messageFrom = pos;
  }

  /** Marks an overflow when the message read up to `pos` of the current text is over the limit. */
  #checkSize(pos: number): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: count exactly only near the limit.
    const upper = this.#messageBytes + (pos - this.#messageFrom) * 3;
    if (upper <= this.#max) return;
    const bytes = this.#messageBytes + utf8Length(this.#text.slice(this.#messageFrom, pos));
    if (bytes > this.#max) this.overflow = true;
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
