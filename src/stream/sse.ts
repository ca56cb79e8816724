// Bytes -> SSE messages: one streaming TextDecoder (UTF-8 split across chunks is fine) feeding
// eventsource-parser. Comments and `retry:` fields are not messages; nothing is buffered beyond the
// message being read. Byte offsets, which only error messages need, are worked out when asked for.
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One SSE message: its `data`, and `event` / `id` when given. */
export type SseMessage = EventSourceMessage;

const encoder = new TextEncoder();

/** Index of `needle` in `hay` from `from`, or -1. */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from;
  const first = needle[0]!;
  for (
    let i = hay.indexOf(first, from);
    i !== -1 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Feeds body chunks; the messages each chunk completes are appended to `messages`. */
export class SseDecoder {
  readonly messages: SseMessage[] = [];
  #bytes = 0;
  #endsWithCr = false;
  #previous: Uint8Array = new Uint8Array(0);
  #current: Uint8Array = new Uint8Array(0);
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({ onEvent: (message) => this.messages.push(message) });

  /** Decodes one chunk; the messages it completes land in `messages`. */
  push(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    this.#previous = this.#current;
    this.#current = chunk;
    const text = this.#decoder.decode(chunk, { stream: true });
    if (text) this.#endsWithCr = text.endsWith("\r");
    this.#parser.feed(text);
  }

  /** The body ended: flushes the decoder. A message without its blank line is not dispatched. */
  end(): void {
    const rest = this.#decoder.decode();
    if (rest) this.#endsWithCr = rest.endsWith("\r");
    // A final CR ends its line, but the parser waits to see whether an LF follows: there is none.
    this.#parser.feed(this.#endsWithCr ? `${rest}\n` : rest);
  }

  /** Bytes of the body received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Where `message` (completed by the last chunk) ends in the body: just past its blank line. Found
   * in the last two chunks; for a message spread wider, the end of the last chunk.
   */
  offsetAfter(message: SseMessage): number {
    const hay = new Uint8Array(this.#previous.length + this.#current.length);
    hay.set(this.#previous);
    hay.set(this.#current, this.#previous.length);
    const start = this.#bytes - hay.length;
    const needle = encoder.encode(message.data);
    // The first place the data stands as a whole line, then the blank line after it.
    for (let at = indexOfBytes(hay, needle); at !== -1; at = indexOfBytes(hay, needle, at + 1)) {
      let i = at + needle.length;
      let breaks = 0;
      for (; breaks < 2 && i < hay.length; breaks++) {
        if (hay[i] === 13 && hay[i + 1] === 10) i += 2;
        else if (hay[i] === 13 || hay[i] === 10) i += 1;
        else break;
      }
      if (breaks === 2) return start + i;
    }
    return this.#bytes;
  }
}
