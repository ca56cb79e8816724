// The route table: method and path (matched as a suffix, so under any base path; `{id}` is one
// segment) → endpoint, and the handler that writes its reply. A new endpoint is one row here and
// one handler; unknown paths get 404, other methods 405.
import {
  cannedCompact,
  cannedEvents,
  cannedMemories,
  cannedModels,
  MODELS_ETAG,
  rateLimitHeaders,
} from "./canned.js";
import type { DecodeError, RecordedRequest } from "./requests.js";
import type { MockEndpoint, MockReply, MockScript } from "./script.js";
import {
  cancelStored,
  cannedInputTokens,
  inputItemsPage,
  notFound,
  recordResponse,
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
  const events = reply.events ?? cannedEvents(ctx.request.body);
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
  const after = Number(query.get("starting_after") ?? "-Infinity");
  const events = ctx.reply.events ?? entry.events.filter((e) => Number(e.sequence_number) > after);
  writeEvents(ctx, ctx.reply, events);
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

/** The `{id}` a path has for `route` ("" for a fixed path), or undefined when it does not match. */
function match(path: string, route: Route): string | undefined {
  const [before, after] = route.path.split("{id}") as [string, string?];
  if (after === undefined) return path.endsWith(before) ? "" : undefined;
  if (!path.endsWith(after)) return undefined;
  const head = path.slice(0, path.length - after.length);
  const at = head.lastIndexOf("/");
  const segment = head.slice(at + 1);
  if (!segment || !head.slice(0, at + 1).endsWith(before)) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The endpoint of a path (one trailing slash allowed) and method, and its `{id}`, if any. */
export function routeOf(
  path: string,
  method: string,
): { endpoint: MockEndpoint; id: string } | undefined {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const entries = Object.entries(ROUTES) as [MockEndpoint, Route][];
  const matching = entries.flatMap(([endpoint, route]) => {
    const id = match(p, route);
    return id === undefined ? [] : [{ endpoint, id, route }];
  });
  // The first matching path wins; among its rows (GET and DELETE /responses/{id}), the method.
  const same = matching.filter((m) => m.route.path === matching[0]?.route.path);
  const found = same.find((m) => m.route.method === method) ?? same[0];
  return found && { endpoint: found.endpoint, id: found.id };
}

/** The endpoint a path ends with (one trailing slash allowed), if any. */
export function endpointOf(path: string, method = "POST"): MockEndpoint | undefined {
  return routeOf(path, method)?.endpoint;
}

/** One recorded request to answer, with the server's script and reply cursor. */
export interface Exchange {
  request: RecordedRequest;
  /** The server's stored responses. */
  store: ResponseStore;
  /** Set when the body could not be decoded. */
  error?: DecodeError | undefined;
  script: MockScript;
  nextReply(endpoint: MockEndpoint): MockReply;
}

/** Answers a request: 404, 405, a decoding error, or its route's handler with the next reply. */
export function serve(out: Outlet, { request, error, script, nextReply, store }: Exchange): void {
  const { endpoint, method, path } = request;
  const invalid = (status: number, message: string, code: string) =>
    errorBody(status, { message, type: "invalid_request_error", code });
  if (endpoint === undefined) {
    return writeBody(out, invalid(404, `no such route: ${path}`, "not_found"));
  }
  const route = ROUTES[endpoint];
  if (method !== route.method) {
    const body = invalid(405, `method ${method} not allowed on ${path}`, "method_not_allowed");
    return writeBody(out, body, { headers: { allow: route.method } });
  }
  if (error) return writeBody(out, invalid(error.status, error.message, error.code));
  const reply = nextReply(endpoint);
  if (reply.stallBeforeHeaders) return; // never answer; close() or the client ends it
  const id = routeOf(path, method)?.id ?? "";
  route.serve({ ...out, reply, request, script, store, id });
}
