// Bytes -> SSE messages: one streaming TextDecoder (UTF-8 split across chunks is fine) feeding
// eventsource-parser. Comments and `retry:` fields are not messages; nothing is buffered beyond the
// message being read.
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface SseMessage extends EventSourceMessage {
  /** Bytes of the body received when this message was complete (for error messages). */
  byteOffset: number;
}

/** Feeds body chunks; every complete message is appended to `messages` by `push`. */
export class SseDecoder {
  readonly messages: SseMessage[] = [];
  #bytes = 0;
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({
    onEvent: (message) => {
      (message as SseMessage).byteOffset = this.#bytes;
      this.messages.push(message as SseMessage);
    },
  });

  /** Decodes one chunk; complete messages land in `messages`. */
  push(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
  }

  /** The body ended: flushes the decoder. A message without its blank line is not dispatched. */
  end(): void {
    this.#parser.feed(this.#decoder.decode());
  }

  get bytes(): number {
    return this.#bytes;
  }
}
