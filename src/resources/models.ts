// GET /models: the models this client may offer, and the ETag that names the list. A stream's
// `modelsEtag` event that differs from the listed `etag` says the list changed (README "Models").
import type { ModelInfo } from "../generated/openapi.js";
import { listModels } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import { expectShape, jsonCallInit, type CallOptions } from "./json-reply.js";

export type { ModelInfo };

/** The options of `client.models.list(options)`. */
export interface ModelsListOptions extends CallOptions {
  /** Sent as the `client_version` query parameter (Codex sends MAJOR.MINOR.PATCH); default: none. */
  clientVersion?: string;
}

/** What `client.models.list()` resolves with. */
export interface ModelsList {
  /** In wire shape, in the server's order; keys the schema does not type are kept. */
  models: ModelInfo[];
  /** The reply's `ETag` as sent, quotes included: compare it with a stream's `modelsEtag`. */
  etag?: string;
  /**
   * Set when the server answered 304 to an `If-None-Match` the caller sent in `headers`: the list
   * the caller holds for that ETag is current, and `models` is empty (`etag` is the reply's, if any).
   */
  notModified?: true;
}

/** `client.models`: GET /models. */
export function modelsResource(endpoints: Endpoints) {
  return {
    /** The model list and its ETag. */
    async list(options: ModelsListOptions = {}): Promise<ModelsList> {
      const { clientVersion, ...call } = options;
      const { data, response } = await listModels(endpoints.transport.sender("models"), {
        ...jsonCallInit(endpoints, call),
        query: { client_version: clientVersion },
      });
      const etag = response.headers.get("etag");
      const tag = etag === null ? {} : { etag };
      if (response.status === 304) return { models: [], notModified: true, ...tag };
      const models = (data as { models?: unknown } | undefined)?.models;
      const ok =
        Array.isArray(models) && models.every((m) => isObject(m) && typeof m["slug"] === "string");
      expectShape(ok, { what: "models", data, response, scrubber: endpoints.scrubber });
      return { models: models as ModelInfo[], ...tag };
    },
  };
}
