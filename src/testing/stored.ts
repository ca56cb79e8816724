// Stored responses: every response the mock creates (and those a script seeds) is kept by id, with
// the input items it was created from and the events it was sent as, so that GET, cancel, delete,
// input items and the streamed GET can answer for it. Also the input-token count's canned reply.
import { URLSearchParams } from "node:url";
import type { MockStoredResponse } from "./script.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A response the server keeps: its Response object, input items (each with an `id`) and events. */
export interface StoredResponse {
  response: Json;
  inputItems: Json[];
  /** The SSE payloads it was sent as (empty for a seeded one): its own list, kept as sent. */
  events: Json[];
  /** For a `background: true` request: when it was created (ms, `Date.now()`), for the TTL. */
  backgroundSince?: number;
}

/** The stored responses of one server, by id. */
export type ResponseStore = Map<string, StoredResponse>;

/** Items with an `id` each (`in_<n>` for those without), as the service lists them. */
function withIds(items: unknown[]): Json[] {
  return items.map((item, i) => {
    const own = isObject(item) ? item : { type: "message", role: "user", content: item };
    return typeof own.id === "string" ? own : { id: `in_${i + 1}`, ...own };
  });
}

/** A store holding the script's seeded responses. */
export function createStore(seeded: MockStoredResponse[] = []): ResponseStore {
  const store: ResponseStore = new Map();
  for (const { response, inputItems = [] } of seeded) {
    store.set(response.id, { response, inputItems: withIds(inputItems), events: [] });
  }
  return store;
}

/** The input of a request body as items (a string is one user message). */
function inputOf(body: unknown): unknown[] {
  const input = isObject(body) ? body.input : undefined;
  if (typeof input === "string") {
    return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }];
  }
  return Array.isArray(input) ? input : [];
}

/** Keeps the response `events` describe (the last one carrying a `response` with an id). */
export function recordResponse(store: ResponseStore, body: unknown, events: Json[]): void {
  let response: Json | undefined;
  for (let i = events.length - 1; i >= 0 && response === undefined; i--) {
    const e = events[i]!;
    if (isObject(e.response) && e.response.id) response = e.response;
  }
  if (response === undefined || typeof response.id !== "string") return;
  // Its own copy of the list: a script's list changed later (an event replaced by a new object, as
  // the README says to change one) is what a later request sends, not what this one was sent as.
  const entry: StoredResponse = {
    response,
    inputItems: withIds(inputOf(body)),
    events: events.slice(),
  };
  if (isObject(body) && body.background === true) entry.backgroundSince = Date.now();
  store.set(response.id, entry);
}

/**
 * The sequence numbers of each stored response's events (NaN where none), whether they ascend and
 * whether every event has a numeric one: read once, at its first streamed GET after a point (its
 * list is its own and does not change).
 */
interface Index {
  sequences: Float64Array;
  ascending: boolean;
  numbered: boolean;
}
const indexes = new WeakMap<StoredResponse, Index>();

function indexOf(entry: StoredResponse): Index {
  let index = indexes.get(entry);
  if (index === undefined) {
    const { events } = entry;
    // One read of each event (reading a property of many differently built objects is slow).
    const sequences = new Float64Array(events.length);
    let ascending = true;
    let numbered = true;
    for (let i = 0; i < events.length; i++) {
      const seq = events[i]!.sequence_number;
      if (typeof seq !== "number") numbered = false;
      sequences[i] = Number(seq);
      if (i > 0 && !(sequences[i]! >= sequences[i - 1]!)) ascending = false;
    }
    index = { sequences, ascending, numbered };
    indexes.set(entry, index);
  }
  return index;
}

/**
 * The stored events numbered above `after`, in stored order: `events` from `start` on (a resume
 * finds its start by binary search, nothing is copied), or a new list when the stored numbers do
 * not ascend.
 */
export function eventsAfter(
  entry: StoredResponse,
  after: number,
): { events: Json[]; start: number } {
  const { events } = entry;
  // No `starting_after`: every event, numbered or not.
  if (after === -Infinity) return { events, start: 0 };
  const { sequences, ascending } = indexOf(entry);
  if (!ascending) return { events: events.filter((_, i) => sequences[i]! > after), start: 0 };
  let low = 0;
  let high = sequences.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sequences[mid]! > after) high = mid;
    else low = mid + 1;
  }
  return { events, start: low };
}

/**
 * The 400 for a streamed GET after `after` of a response whose stored events are not all numbered
 * (a script's events without `sequence_number`): nothing tells which come after it.
 */
export function unnumberedAfter(
  entry: StoredResponse,
  id: string,
  after: string,
): string | undefined {
  if (indexOf(entry).numbered) return undefined;
  return `Response '${id}' cannot be streamed after starting_after=${after}: its stored events carry no sequence_number (the mock numbers none itself: give each scripted event one).`;
}

/** How long the mock streams a background response again, by default (ms; the service: 5 minutes). */
export const BACKGROUND_TTL_MS = 300_000;

/**
 * The 400 for the streamed GET of a background response past the TTL. The service's wording was not
 * recorded; this follows its "can no longer be streamed" text.
 */
export function tooOldToStream(id: string): string {
  return `Response '${id}' can no longer be streamed: a background response streams for 5 minutes after it is created.`;
}

/** The service's 404 for an id it does not know. */
export function notFound(id: string): Json {
  const message = `Response with id '${id}' not found.`;
  return { error: { message, type: "invalid_request_error", param: null, code: null } };
}

/** POST /responses/{id}/cancel: a queued or running response becomes `cancelled`. */
export function cancelStored(entry: StoredResponse): Json {
  const status = entry.response.status;
  if (status === "queued" || status === "in_progress") {
    entry.response = { ...entry.response, status: "cancelled" };
  }
  return entry.response;
}

/** One page of input items for the query of `url`, or a 400 message for a bad `limit`/`order`. */
export function inputItemsPage(entry: StoredResponse, url: string): Json | string {
  const query = new URLSearchParams(url.split("?")[1] ?? "");
  const limit = Number(query.get("limit") ?? "20");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return "limit must be 1 to 100";
  const order = query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") return "order must be asc or desc";
  const items = order === "asc" ? entry.inputItems : [...entry.inputItems].reverse();
  const after = query.get("after");
  const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1;
  const data = items.slice(start, start + limit);
  return {
    object: "list",
    data,
    has_more: start + limit < items.length,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

/** A deterministic estimate: the words of every string in the input and instructions. */
export function cannedInputTokens(body: unknown): Json {
  const texts: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === "string") texts.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (isObject(v)) Object.values(v).forEach(collect);
  };
  collect(inputOf(body));
  if (isObject(body)) collect(body.instructions);
  const words = texts.join(" ").split(/\s+/).filter(Boolean).length;
  return { object: "response.input_tokens", input_tokens: words };
}
