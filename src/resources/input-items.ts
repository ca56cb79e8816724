// GET /responses/{id}/input_items, every page: a lazy async iterable of the items a stored response
// was created from. One request per page, made when the caller asks for an item past the last
// page; `after` = the page's `last_id` while `has_more`; `break` stops fetching (README "Stored
// responses").
import type { ResponseItem } from "../generated/openapi.js";
import { listInputItems, type ListInputItemsReply } from "../generated/client.js";
import { isObject } from "../util.js";
import type { Endpoints } from "./context.js";
import { expectShape, isObjectWithType, jsonCallInit } from "./json-reply.js";
import type { RetrieveOptions } from "./stored.js";

/** The options of `client.responses.inputItems(id, options)`. */
export interface InputItemsOptions extends RetrieveOptions {
  /** `asc` or `desc`; sent only when given (the service's default is `desc`). */
  order?: "asc" | "desc";
  /** Items per page, 1 to 100; default: the service's (20). */
  limit?: number;
  /** Start after this item id; default: at the first item. */
  after?: string;
}

/** A page as documented; `cursor` is the `after` it was asked with. */
function isPage(data: ListInputItemsReply, cursor: string | undefined): boolean {
  if (!isObject(data) || !Array.isArray(data.data) || typeof data.has_more !== "boolean") {
    return false;
  }
  if (!data.data.every(isObjectWithType)) return false;
  // A page that says there is more must say where it ended, and move: else the walk would loop.
  return !data.has_more || (typeof data.last_id === "string" && data.last_id !== cursor);
}

/** Every item of every page, fetching the next page only when asked (after a checked id). */
export async function* walkInputItems(
  endpoints: Endpoints,
  id: string,
  options: InputItemsOptions,
): AsyncGenerator<ResponseItem, void, undefined> {
  const { order, limit, after, include, ...call } = options;
  const send = endpoints.transport.sender("inputItems");
  let cursor = after;
  for (;;) {
    const { data, response } = await listInputItems(send, {
      ...jsonCallInit(endpoints, call),
      path: { response_id: id },
      query: { limit, order, after: cursor, include },
    });
    const ok = isPage(data, cursor);
    expectShape(ok, { what: "inputItems", data, response, scrubber: endpoints.scrubber });
    yield* data.data;
    if (!data.has_more) return;
    cursor = data.last_id!;
  }
}
