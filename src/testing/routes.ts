// The route table: method and path (matched as a suffix, so under any base path) → endpoint, and
// the handler that writes its reply. A new endpoint is one row here and one handler; unknown paths
// get 404, other methods 405.
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
  writeEvents({ ...ctx, headers }, reply, reply.events ?? cannedEvents(ctx.request.body));
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

/** The endpoint a path ends with (one trailing slash allowed), if any. */
export function endpointOf(path: string): MockEndpoint | undefined {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const entries = Object.entries(ROUTES) as [MockEndpoint, Route][];
  return entries.find(([, route]) => p.endsWith(route.path))?.[0];
}

/** One recorded request to answer, with the server's script and reply cursor. */
export interface Exchange {
  request: RecordedRequest;
  /** Set when the body could not be decoded. */
  error?: DecodeError | undefined;
  script: MockScript;
  nextReply(endpoint: MockEndpoint): MockReply;
}

/** Answers a request: 404, 405, a decoding error, or its route's handler with the next reply. */
export function serve(out: Outlet, { request, error, script, nextReply }: Exchange): void {
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
  route.serve({ ...out, reply, request, script });
}
