// GET /responses/{id}/input_items, every page: a lazy async iterable of the items a stored response
// was created from. One request per page, made when the caller asks for an item past the last
// page; `after` = the page's `last_id` while `has_more`; `break` stops fetching (README "Stored
// responses").
import type { ResponseItem } from "../generated/openapi.js";
import { listInputItems, type ListInputItemsReply } from "../generated/client.js";
import { isObject } from "../util.js";
import type { Endpoints } from "./context.js";
import { STRING_RULE } from "./call-options.js";
import { expectShape, isObjectWithType, jsonCall } from "./json-reply.js";
import { INCLUDE_RULE, type RetrieveOptions } from "./stored.js";

/** The options of `client.responses.inputItems(id, options)`. */
export interface InputItemsOptions extends RetrieveOptions {
  /** `asc` or `desc`; sent only when given (the service's default is `desc`). */
  order?: "asc" | "desc";
  /** Items per page, 1 to 100; default: the service's (20). */
  limit?: number;
  /** Start after this item id; default: at the first item. */
  after?: string;
}

/** What `inputItems` adds to a call's options. */
const ITEMS_RULES = {
  include: INCLUDE_RULE,
  order: [(v: unknown) => v === "asc" || v === "desc", '"asc" or "desc"'],
  // A safe integer: 1e21 is an integer too, but a query would write it as "1e+21".
  limit: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1, "an integer >= 1"],
  after: STRING_RULE,
} satisfies Record<string, [(v: unknown) => boolean, string]>;

/** A page as documented; `seen` holds every cursor the walk was at (the `after`s asked with). */
function isPage(data: ListInputItemsReply, seen: Set<string | undefined>): boolean {
  if (!isObject(data) || !Array.isArray(data.data) || typeof data.has_more !== "boolean") {
    return false;
  }
  if (!data.data.every(isObjectWithType)) return false;
  // A page that says there is more must hold items, say where it ended, and move to a cursor the
  // walk was never at: else the walk would loop (A, B, A…) or fetch empty pages forever.
  if (!data.has_more) return true;
  return data.data.length > 0 && typeof data.last_id === "string" && !seen.has(data.last_id);
}

/** Every item of every page, fetching the next page only when asked (after a checked id). */
export async function* walkInputItems(
  endpoints: Endpoints,
  id: string,
  options: InputItemsOptions,
): AsyncGenerator<ResponseItem, void, undefined> {
  const {
    send,
    init,
    options: checked,
  } = jsonCall(endpoints, "inputItems", "responses.inputItems", options, ITEMS_RULES);
  const { order, limit, after, include } = checked;
  let cursor = after;
  const seen = new Set([cursor]);
  for (;;) {
    const { data, response } = await listInputItems(send, {
      ...init,
      path: { response_id: id },
      query: { limit, order, after: cursor, include },
    });
    const ok = isPage(data, seen);
    expectShape(ok, { what: "inputItems", data, response, scrubber: endpoints.scrubber });
    yield* data.data;
    if (!data.has_more) return;
    cursor = data.last_id!;
    seen.add(cursor);
  }
}
