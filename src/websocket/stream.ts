// The ResponseStream of a socket request: the same object, events and errors as over HTTP, read
// from the request's frames. It also tells the socket how the request ended: completed (its output
// becomes the base of the next incremental request) or not (the connection is dropped).
import type { ResponseItem } from "../generated/openapi.js";
import type { ResponseEvent } from "../stream/events.js";
import type { StreamOptions } from "../stream/event-reader.js";
import { ResponseStream, type StreamHead } from "../stream/response-stream.js";
import type { MessageSource } from "../stream/source.js";

/** What a socket stream reports to the socket, once each request ends. */
export interface RequestEnd {
  completed(responseId: string, output: ResponseItem[]): void;
  /** Failed, aborted, or left before `completed` (`break`). */
  failed(): void;
}

/**
 * A ResponseStream that watches the events it hands out. A subclass rather than a hook in the SSE
 * reader, so the HTTP path does not pay for it.
 */
export class SocketResponseStream extends ResponseStream {
  readonly #end: RequestEnd;

  constructor(head: StreamHead, source: MessageSource, options: StreamOptions, end: RequestEnd) {
    super(head, source, options);
    this.#end = end;
  }

  protected override watch(inner: AsyncIterator<ResponseEvent>): AsyncIterator<ResponseEvent> {
    const output: ResponseItem[] = [];
    const end = this.#end;
    const seen = (result: IteratorResult<ResponseEvent>) => {
      const event = result.value as ResponseEvent | undefined;
      if (result.done)
        end.failed(); // ended without completed (a no-op once completed)
      else if (event?.type === "outputItemDone") output.push(event.item);
      else if (event?.type === "completed") end.completed(event.responseId, output);
      return result;
    };
    return {
      next: () =>
        inner.next().then(seen, (error: unknown) => {
          end.failed();
          throw error;
        }),
      return: () => {
        end.failed();
        return inner.return?.() ?? Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}
