// The route table: method and path (under `/` and under the server's base path, `/v1` by default;
// `{id}` is one segment) → endpoint, and the handler that writes its reply. A new endpoint is one row
// here and one handler; other paths get a 404 that names the routes, other methods 405.
import {
  cannedCompact,
  cannedEvents,
  cannedMemories,
  cannedModels,
  MODELS_ETAG,
  rateLimitHeaders,
} from "./canned.js";
import type { DecodeError, RecordedRequest } from "./requests.js";
import type { MockEndpoint, MockReply, MockScript, NextReply } from "./script.js";
import {
  cancelStored,
  cannedInputTokens,
  eventsAfter,
  inputItemsPage,
  notFound,
  recordResponse,
  tooOldToStream,
  unnumberedAfter,
  type ResponseStore,
  type StoredResponse,
} from "./stored.js";
import {
  errorBody,
  jsonBody,
  scriptedBody,
  writeBody,
  writeEvents,
  type Outlet,
} from "./writers.js";

/** What a handler gets: where to write, the endpoint's next scripted reply, the request, the script. */
interface RouteContext extends Outlet {
  reply: MockReply;
  request: RecordedRequest;
  script: MockScript;
  /** The server's stored responses. */
  store: ResponseStore;
  /** The `{id}` segment of the path, percent-decoded ("" when the route has none). */
  id: string;
  /** The next number of a canned /responses reply on this server (numbers its ids). */
  cannedSeq(): number;
  /** How long a background response streams again (ms). */
  backgroundTtlMs: number;
}

interface Route {
  method: string;
  /** The path after the base path. */
  path: string;
  serve(ctx: RouteContext): void;
}

/** A JSON endpoint: the scripted body, or else `canned(request body)`. */
const json =
  (canned: (body: unknown) => unknown) =>
  (ctx: RouteContext): void =>
    writeBody(
      ctx,
      scriptedBody(ctx.reply) ?? jsonBody(ctx.reply.status ?? 200, canned(ctx.request.body)),
      ctx.reply,
    );

/** /responses: server-sent events, unless the reply scripts a body, an HTML page or an error. */
function serveResponses(ctx: RouteContext): void {
  const { reply, script } = ctx;
  const body = scriptedBody(reply);
  if (body) return writeBody(ctx, body, reply);
  const limits = script.rateLimitHeaders !== false && (reply.status ?? 200) === 200;
  const headers = { ...ctx.headers, ...(limits ? rateLimitHeaders() : {}) };
  const events = reply.events ?? cannedEvents(ctx.request.body, ctx.cannedSeq());
  if ((reply.status ?? 200) === 200) recordResponse(ctx.store, ctx.request.body, events);
  writeEvents({ ...ctx, headers }, reply, events);
}

/**
 * A route of one stored response: the scripted body, else 404 for an unknown id, else
 * `answer(entry)` (a JSON value, or a string: the message of a 400).
 */
const stored =
  (answer: (entry: StoredResponse, ctx: RouteContext) => unknown) =>
  (ctx: RouteContext): void => {
    const { reply, store, id } = ctx;
    const scripted = scriptedBody(reply);
    if (scripted) return writeBody(ctx, scripted, reply);
    const entry = store.get(id);
    if (entry === undefined) return writeBody(ctx, jsonBody(404, notFound(id)), reply);
    const value = answer(entry, ctx);
    const body =
      typeof value === "string"
        ? errorBody(400, { message: value, type: "invalid_request_error", code: null })
        : jsonBody(200, value);
    writeBody(ctx, body, reply);
  };

/** GET /responses/{id}: the Response as JSON; with `stream=true`, its events after `starting_after`. */
function serveRetrieve(ctx: RouteContext): void {
  const query = new URLSearchParams(ctx.request.url.split("?")[1] ?? "");
  if (query.get("stream") !== "true") return stored((entry) => entry.response)(ctx);
  const entry = ctx.store.get(ctx.id);
  if (entry === undefined || scriptedBody(ctx.reply)) return stored(() => undefined)(ctx);
  const since = entry.backgroundSince;
  if (since !== undefined && Date.now() - since > ctx.backgroundTtlMs) {
    return stored(() => tooOldToStream(ctx.id))(ctx);
  }
  const given = query.get("starting_after");
  const refused =
    given === null || ctx.reply.events ? undefined : unnumberedAfter(entry, ctx.id, given);
  if (refused !== undefined) return stored(() => refused)(ctx);
  const after = Number(given ?? "-Infinity");
  const { events, start } = ctx.reply.events
    ? { events: ctx.reply.events, start: 0 }
    : eventsAfter(entry, after);
  writeEvents(ctx, ctx.reply, events, start);
}

/** /models: the JSON route; a 2xx reply carries the canned list's ETag unless the script sets one. */
function serveModels(ctx: RouteContext): void {
  const ok = (ctx.reply.status ?? 200) < 300;
  const headers = { ...ctx.headers, ...(ok ? { etag: MODELS_ETAG } : {}) };
  json(cannedModels)({ ...ctx, headers });
}

const ROUTES: Record<MockEndpoint, Route> = {
  responses: { method: "POST", path: "/responses", serve: serveResponses },
  compact: { method: "POST", path: "/responses/compact", serve: json(cannedCompact) },
  memories: { method: "POST", path: "/memories/trace_summarize", serve: json(cannedMemories) },
  models: { method: "GET", path: "/models", serve: serveModels },
  inputTokens: {
    method: "POST",
    path: "/responses/input_tokens",
    serve: json(cannedInputTokens),
  },
  // Rows with `{id}` come after the fixed paths they could shadow (/responses/compact).
  retrieve: { method: "GET", path: "/responses/{id}", serve: serveRetrieve },
  delete: {
    method: "DELETE",
    path: "/responses/{id}",
    serve: stored((entry, ctx) => {
      ctx.store.delete(ctx.id);
      return { id: ctx.id, object: "response", deleted: true };
    }),
  },
  cancel: { method: "POST", path: "/responses/{id}/cancel", serve: stored(cancelStored) },
  inputItems: {
    method: "GET",
    path: "/responses/{id}/input_items",
    serve: stored((entry, ctx) => inputItemsPage(entry, ctx.request.url)),
  },
};

/** The base path the mock serves its routes under, besides `/`. */
export const DEFAULT_BASE_PATH = "/v1";

/** The `{id}` of `path` for `route` ("" for a fixed path), or undefined when it does not match. */
function match(path: string, route: Route): string | undefined {
  const [before, after] = route.path.split("{id}") as [string, string?];
  if (after === undefined) return path === before ? "" : undefined;
  if (!path.startsWith(before) || !path.endsWith(after)) return undefined;
  const segment = path.slice(before.length, path.length - after.length);
  if (!segment || segment.includes("/")) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The endpoint of a path under `/` or `basePath` (one trailing slash allowed) and method, and its
 * `{id}`, if any.
 */
export function routeOf(
  path: string,
  method: string,
  basePath = DEFAULT_BASE_PATH,
): { endpoint: MockEndpoint; id: string } | undefined {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const base = basePath.replace(/\/+$/, "");
  const own = base && p.startsWith(`${base}/`) ? p.slice(base.length) : p;
  const entries = Object.entries(ROUTES) as [MockEndpoint, Route][];
  const matching = entries.flatMap(([endpoint, route]) => {
    const id = match(own, route);
    return id === undefined ? [] : [{ endpoint, id, route }];
  });
  // The first matching path wins; among its rows (GET and DELETE /responses/{id}), the method.
  const same = matching.filter((m) => m.route.path === matching[0]?.route.path);
  const found = same.find((m) => m.route.method === method) ?? same[0];
  return found && { endpoint: found.endpoint, id: found.id };
}

/** The endpoint of a path and method (see `routeOf`), if any. */
export function endpointOf(
  path: string,
  method = "POST",
  basePath = DEFAULT_BASE_PATH,
): MockEndpoint | undefined {
  return routeOf(path, method, basePath)?.endpoint;
}

function noSuchRoute(path: string, basePath: string): string {
  const routes = Object.values(ROUTES).map((r) => `${r.method} ${r.path}`);
  return `no such route: ${path}; routes: ${routes.join(", ")} (under / and ${basePath})`;
}

/** The 400 the service sends for a model it does not have (when the server has a model list). */
export function unknownModel(body: unknown, models: readonly string[] | undefined) {
  const model = (body as { model?: unknown } | undefined)?.model;
  if (!models || typeof model !== "string" || models.includes(model)) return undefined;
  return {
    message: `The requested model '${model}' does not exist.`,
    type: "invalid_request_error",
    param: "model",
    code: "model_not_found",
  };
}

/** One recorded request to answer, with the server's script and reply cursor. */
export interface Exchange {
  request: RecordedRequest;
  /** Set when the body could not be decoded. */
  error?: DecodeError | undefined;
  script: MockScript;
  nextReply: NextReply;
  /** The server's stored responses. */
  store: ResponseStore;
  /** The next number of a canned /responses reply on this server. */
  cannedSeq(): number;
  /** How long a background response streams again (ms). */
  backgroundTtlMs: number;
  basePath: string;
  /** The models the server has; absent: any model is accepted. */
  models?: readonly string[] | undefined;
}

/**
 * Answers a request: 404, 405, a decoding error, a 400 for an unknown model, or its route's
 * handler with the next reply.
 */
export function serve(out: Outlet, exchange: Exchange): void {
  const { request, error, script, nextReply } = exchange;
  const { endpoint, method, path } = request;
  const invalid = (status: number, message: string, code: string) =>
    errorBody(status, { message, type: "invalid_request_error", code });
  if (endpoint === undefined) {
    return writeBody(out, invalid(404, noSuchRoute(path, exchange.basePath), "not_found"));
  }
  const route = ROUTES[endpoint];
  if (method !== route.method) {
    const body = invalid(405, `method ${method} not allowed on ${path}`, "method_not_allowed");
    return writeBody(out, body, { headers: { allow: route.method } });
  }
  if (error) return writeBody(out, invalid(error.status, error.message, error.code));
  const missing = method === "POST" ? unknownModel(request.body, exchange.models) : undefined;
  if (missing) return writeBody(out, errorBody(400, missing));
  const reply = nextReply(endpoint, request);
  if (reply.stallBeforeHeaders) return; // never answer; close() or the client ends it
  const id = routeOf(path, method, exchange.basePath)?.id ?? "";
  const { store, cannedSeq, backgroundTtlMs } = exchange;
  route.serve({ ...out, reply, request, script, store, id, cannedSeq, backgroundTtlMs });
}
