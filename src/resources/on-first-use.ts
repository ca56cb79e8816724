// The operations whose code is loaded on first use: the stored-response methods of
// `client.responses` (retrieve, cancel, delete, inputTokens, inputItems) and `client.compact`,
// `client.memories`, `client.models`. An app that only streams never loads them, and a bundler that
// splits code keeps them out of that app's first chunk (README "Stored responses").
import type { DeletedResponse, ResponseItem, ResponseObject } from "../generated/openapi.js";
import type { Endpoints } from "./context.js";
import type { InputItemsOptions } from "./input-items.js";
import type { CallOptions } from "./json-reply.js";
import { asJsonCall, type JsonCall } from "./json-call.js";
import { isObject } from "../util.js";
import type { CompactResource } from "./compact.js";
import type { MemoriesResource } from "./memories.js";
import type { ModelsResource } from "./models.js";
import { checkResponseId } from "./response-id.js";
import type { InputTokens, InputTokensRequest, RetrieveOptions } from "./stored.js";
import { loadOnce } from "../load.js";

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
  const load = loadOnce("stored responses", () =>
    import("./stored.js").then((m) => m.storedResponses(endpoints)),
  );
  return {
    /** GET /responses/{id}: the stored Response, in wire shape. */
    retrieve: (id: string, options?: RetrieveOptions): JsonCall<ResponseObject> =>
      later(
        load,
        (r) => r.retrieve(id, options),
        () => checkResponseId(id, "responses.retrieve"),
      ),
    /** POST /responses/{id}/cancel: stops a background response; resolves with the Response. */
    cancel: (id: string, options?: CallOptions): JsonCall<ResponseObject> =>
      later(
        load,
        (r) => r.cancel(id, options),
        () => checkResponseId(id, "responses.cancel"),
      ),
    /** DELETE /responses/{id}: resolves with the wire object `{ id, object, deleted }`. */
    delete: (id: string, options?: CallOptions): JsonCall<DeletedResponse> =>
      later(
        load,
        (r) => r.delete(id, options),
        () => checkResponseId(id, "responses.delete"),
      ),
    /** POST /responses/input_tokens: how many input tokens `request` would use (only the fields that count are sent). */
    inputTokens: (request: InputTokensRequest, options?: CallOptions): JsonCall<InputTokens> =>
      later(load, (r) => r.inputTokens(request, options)),
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
          const { walkInputItems } = await loadInputItems();
          yield* walkInputItems(endpoints, id, own);
        },
      };
    },
  };
}

const loadInputItems = loadOnce("input items", () => import("./input-items.js"));

/**
 * The `JsonCall` of `call` run on the resource `load` gives (a failed load rejects it too); `check`
 * (of an id) runs first: a bad argument is named as such even when the code cannot load.
 */
function later<R, T>(
  load: () => Promise<R>,
  call: (resource: R) => JsonCall<T>,
  check?: () => void,
): JsonCall<T> {
  return asJsonCall(
    Promise.resolve()
      .then(check)
      .then(load)
      .then((resource) => call(resource).withResponse()),
  );
}

/** `client.compact`, `client.memories` and `client.models`; each loads its module once. */
export function jsonOnFirstUse(endpoints: Endpoints): {
  compact: CompactResource;
  memories: MemoriesResource;
  models: ModelsResource;
} {
  const compact = loadOnce("compact", () =>
    import("./compact.js").then((m) => m.compactResource(endpoints)),
  );
  const memories = loadOnce("memories", () =>
    import("./memories.js").then((m) => m.memoriesResource(endpoints)),
  );
  const models = loadOnce("models", () =>
    import("./models.js").then((m) => m.modelsResource(endpoints)),
  );
  return {
    compact: {
      compactInput: (input, options) => later(compact, (r) => r.compactInput(input, options)),
    },
    memories: {
      summarizeInput: (input, options) => later(memories, (r) => r.summarizeInput(input, options)),
    },
    models: { list: (options) => later(models, (r) => r.list(options)) },
  };
}
