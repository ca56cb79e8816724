// The stored-response methods of `client.responses` (retrieve, cancel, delete, inputTokens,
// inputItems), whose code is loaded on first use: an app that only streams never loads it, and a
// bundler that splits code keeps it out of that app's first chunk (README "Stored responses").
import type { DeletedResponse, ResponseItem, ResponseObject } from "../generated/openapi.js";
import type { Endpoints } from "./context.js";
import type { InputItemsOptions } from "./input-items.js";
import { withReply, type CallOptions, type JsonCall } from "./json-reply.js";
import { isObject } from "../util.js";
import { checkResponseId } from "./response-id.js";
import type {
  InputTokens,
  InputTokensRequest,
  RetrieveOptions,
  storedResponses,
} from "./stored.js";

type Stored = ReturnType<typeof storedResponses>;

/** `client.responses`' stored-response methods (README "Stored responses"). */
export interface StoredResponsesResource {
  /** GET /responses/{id}: the stored Response, in wire shape (`.withResponse()` adds the reply's metadata). */
  retrieve(id: string, options?: RetrieveOptions): JsonCall<ResponseObject>;
  /** POST /responses/{id}/cancel: stops a background response; resolves with the Response. */
  cancel(id: string, options?: CallOptions): JsonCall<ResponseObject>;
  /** DELETE /responses/{id}: resolves with the wire object `{ id, object, deleted }`. */
  delete(id: string, options?: CallOptions): JsonCall<DeletedResponse>;
  /** POST /responses/input_tokens: how many input tokens `request` would use. */
  inputTokens(request: InputTokensRequest, options?: CallOptions): JsonCall<InputTokens>;
  /** GET /responses/{id}/input_items, every page, lazily; `break` stops fetching. */
  inputItems(id: string, options?: InputItemsOptions): AsyncIterable<ResponseItem>;
}

/** `client.responses`' stored-response methods; each loads ./stored.js (or ./input-items.js) once. */
export function storedOnFirstUse(endpoints: Endpoints): StoredResponsesResource {
  let stored: Promise<Stored> | undefined;
  const load = () => (stored ??= import("./stored.js").then((m) => m.storedResponses(endpoints)));
  return {
    /** GET /responses/{id}: the stored Response, in wire shape. */
    retrieve: (id: string, options?: RetrieveOptions): JsonCall<ResponseObject> =>
      withReply(async () => (await load()).retrieve(id, options)),
    /** POST /responses/{id}/cancel: stops a background response; resolves with the Response. */
    cancel: (id: string, options?: CallOptions): JsonCall<ResponseObject> =>
      withReply(async () => (await load()).cancel(id, options)),
    /** DELETE /responses/{id}: resolves with the wire object `{ id, object, deleted }`. */
    delete: (id: string, options?: CallOptions): JsonCall<DeletedResponse> =>
      withReply(async () => (await load()).delete(id, options)),
    /** POST /responses/input_tokens: how many input tokens `request` would use (only the fields that count are sent). */
    inputTokens: (request: InputTokensRequest, options?: CallOptions): JsonCall<InputTokens> =>
      withReply(async () => (await load()).inputTokens(request, options)),
    /**
     * GET /responses/{id}/input_items, every page: returns at once; the first request is made by
     * the first `next()`, the next page's when the caller reads past a page. A bad id throws here.
     */
    inputItems(id: string, options: InputItemsOptions = {}): AsyncIterable<ResponseItem> {
      checkResponseId(id, "responses.inputItems");
      // Snapshot: a later edit of the caller's options does not change the pages still to come.
      // Anything but an object, and an `include` that is not an array, is left for the check.
      const include: unknown = isObject(options) ? options.include : undefined;
      const own = (
        isObject(options)
          ? { ...options, include: Array.isArray(include) ? [...include] : include }
          : options
      ) as InputItemsOptions;
      return {
        async *[Symbol.asyncIterator]() {
          const { walkInputItems } = await import("./input-items.js");
          yield* walkInputItems(endpoints, id, own);
        },
      };
    },
  };
}
