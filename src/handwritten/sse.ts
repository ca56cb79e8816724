// Bytes -> SSE messages: one streaming TextDecoder (UTF-8 split across chunks is fine) feeding
// eventsource-parser. Comments and `retry:` fields are not messages; nothing is buffered beyond the
// message being read.
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface SseMessage extends EventSourceMessage {
  /** Byte offset in the body just past this message's blank line (for error messages). */
  byteOffset: number;
}

/** UTF-8 length of decoded text (a surrogate pair counts 2 + 2). */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Feeds body chunks; every complete message is appended to `messages` by `push`. */
export class SseDecoder {
  readonly messages: SseMessage[] = [];
  #bytes = 0;
  /** Bytes of decoded text handed to the parser so far. */
  #fed = 0;
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({
    onEvent: (message) => {
      (message as SseMessage).byteOffset = this.#fed;
      this.messages.push(message as SseMessage);
    },
  });

  /** Decodes one chunk; complete messages land in `messages`. */
  push(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    this.#feed(this.#decoder.decode(chunk, { stream: true }));
  }

  /** The body ended: flushes the decoder. A message without its blank line is not dispatched. */
  end(): void {
    this.#feed(this.#decoder.decode());
  }

  // Fed line by line so that each message's byte offset is its own, not the end of the chunk.
  #feed(text: string): void {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const line = text.slice(start, nl + 1);
      this.#fed += utf8Length(line);
      this.#parser.feed(line);
      start = nl + 1;
    }
    if (start < text.length) {
      const rest = start === 0 ? text : text.slice(start);
      this.#fed += utf8Length(rest);
      this.#parser.feed(rest);
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}
