// The route table: method and path (under `/` and under the server's base path, `/v1` by default)
// → endpoint, and the handler that writes its reply. A new endpoint is one row here and one
// handler; other paths get a 404 that names the routes, other methods 405.
import {
  cannedCompact,
  cannedEvents,
  cannedMemories,
  cannedModels,
  MODELS_ETAG,
  rateLimitHeaders,
} from "./canned.js";
import type { DecodeError, RecordedRequest } from "./requests.js";
import type { MockReply, MockScript, NextReply } from "./script.js";
import {
  errorBody,
  jsonBody,
  scriptedBody,
  writeBody,
  writeEvents,
  type Outlet,
} from "./writers.js";

/** The endpoints the mock serves: the keys of the route table and of `MockScript`. */
export type MockEndpoint = "responses" | "compact" | "memories" | "models";

/** What a handler gets: where to write, the endpoint's next scripted reply, the request, the script. */
interface RouteContext extends Outlet {
  reply: MockReply;
  request: RecordedRequest;
  script: MockScript;
  /** The next number of a canned /responses reply on this server (numbers its ids). */
  cannedSeq(): number;
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
  writeEvents(
    { ...ctx, headers },
    reply,
    reply.events ?? cannedEvents(ctx.request.body, ctx.cannedSeq()),
  );
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
};

/** The base path the mock serves its routes under, besides `/`. */
export const DEFAULT_BASE_PATH = "/v1";

/** The endpoint of a path: a route under `/` or under `basePath` (one trailing slash allowed). */
export function endpointOf(path: string, basePath = DEFAULT_BASE_PATH): MockEndpoint | undefined {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const base = basePath.replace(/\/+$/, "");
  const entries = Object.entries(ROUTES) as [MockEndpoint, Route][];
  return entries.find(([, route]) => p === route.path || p === base + route.path)?.[0];
}

/** `no such route: /x; routes: POST /responses, … (under / and /v1)`. */
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
  /** The next number of a canned /responses reply on this server. */
  cannedSeq(): number;
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
  route.serve({ ...out, reply, request, script, cannedSeq: exchange.cannedSeq });
}
