// A scriptable mock of the Codex / OpenAI Responses protocol, for tests (exported as
// `codex-api/testing`). It is a real HTTP server on 127.0.0.1 serving, under any base path prefix:
//   POST …/responses                   server-sent events (canned echo reply by default)
//   POST …/responses/compact           JSON
//   POST …/memories/trace_summarize    JSON
// Replies can be scripted per endpoint (status sequences, headers, HTML pages, slow drips,
// stalls, connection resets, malformed events, missing terminal events). Node-only.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { readFileSync } from "node:fs";
import * as zlib from "node:zlib";

/** The three endpoints the mock serves. */
export type MockEndpoint = "responses" | "compact" | "memories";

/** One scripted reply. Every field is optional: `{}` means the canned 200 reply. */
export interface MockReply {
  /** HTTP status, default 200. */
  status?: number;
  /** Extra reply headers (retry-after, retry-after-ms, x-request-id, rate-limit headers…); they win over defaults. */
  headers?: Record<string, string>;
  /** JSON body (for non-2xx, or to override a JSON endpoint's reply, or a 2xx /responses reply sent as JSON); a string is sent as-is. */
  body?: unknown;
  /** Send `body` (or a default small HTML gateway page) as text/html. */
  html?: boolean;
  /** SSE payloads for /responses; default: the canned reply built from the request (`cannedEvents`). */
  events?: Record<string, unknown>[];
  /** Wait this long before each SSE event (slow drip). */
  dripMs?: number;
  /** After sending N events, send nothing more and keep the connection open… */
  stallAfterEvents?: number;
  /** …except an SSE comment line `: keep-alive\n\n` every keepAliveMs while stalled. */
  keepAliveMs?: number;
  /** Never send headers (the client must time out). */
  stallBeforeHeaders?: boolean;
  /** Write this many bytes of the body, then destroy the socket (RST). */
  resetAfterBytes?: number;
  /** Replace the event at this index by `data: {not json\n\n` (its `event:` line kept). */
  malformedAt?: number;
  /** Drop response.completed / response.done events and end the body cleanly. */
  omitTerminal?: boolean;
}

/** What the server replies, per endpoint. */
export interface MockScript {
  /** One reply, or a sequence consumed in order, one per request; the last one repeats. */
  responses?: MockReply | MockReply[];
  /** Same, for POST …/responses/compact. */
  compact?: MockReply | MockReply[];
  /** Same, for POST …/memories/trace_summarize. */
  memories?: MockReply | MockReply[];
  /** Default true: 200 /responses replies carry x-codex-primary-used-percent and friends. */
  rateLimitHeaders?: boolean;
}

/** A request as the server received it. */
export interface RecordedRequest {
  /** The matched endpoint, or undefined for an unknown path. */
  endpoint: MockEndpoint | undefined;
  method: string;
  /** The path without the query string. */
  path: string;
  /** The request target as sent (path and query). */
  url: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The (decompressed) body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
  /** The (decompressed) body text. */
  rawBody: string;
}

/** A running mock server. */
export interface MockServer {
  /** "http://127.0.0.1:<port>" (no trailing slash). */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Sockets currently open on the server side. */
  openConnections(): number;
  /** Destroys open sockets, clears every timer, resolves when the server is closed. Idempotent. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a `.chunks.txt` recording: one JSON payload per non-empty line (final newline optional). */
export function loadRecordedStream(file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  readFileSync(file, "utf8")
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new SyntaxError(`${file}:${i + 1}: not JSON: ${(err as Error).message}`);
      }
      if (!isObject(value)) throw new SyntaxError(`${file}:${i + 1}: not a JSON object`);
      out.push(value);
    });
  return out;
}

function isUserMessage(item: unknown): item is Json {
  return (
    isObject(item) && (item.type === undefined || item.type === "message") && item.role === "user"
  );
}

function messageText(item: Json): string {
  const content = item.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p): p is Json => isObject(p) && p.type === "input_text" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("\n");
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function collectText(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectText(v, into);
  else if (isObject(value)) for (const v of Object.values(value)) collectText(v, into);
}

/** Splits text into word-sized pieces whose concatenation is the text. */
function wordPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** The default /responses events for a request body `{model, input, tools?, reasoning?}`. */
export function cannedEvents(request: unknown): Record<string, unknown>[] {
  const req = isObject(request) ? request : {};
  const model = typeof req.model === "string" ? req.model : "mock-model";
  const input = Array.isArray(req.input) ? req.input : [];
  const lastUser = [...input].reverse().find(isUserMessage);
  const text =
    lastUser === undefined
      ? "Hello from the codex-api mock server."
      : `Echo: ${messageText(lastUser)}`;
  const id = "resp_mock_1";
  const events: Json[] = [];
  let seq = 0;
  const push = (type: string, fields: Json): void => {
    events.push({ type, ...fields, sequence_number: seq++ });
  };
  const output: Json[] = [];
  let reasoningTokens = 0;

  push("response.created", {
    response: { id, object: "response", status: "in_progress", model, output: [] },
  });
  push("response.in_progress", {
    response: { id, object: "response", status: "in_progress", model, output: [] },
  });

  if (req.reasoning !== undefined && req.reasoning !== null) {
    const itemId = "rs_mock_1";
    const outputIndex = output.length;
    const deltas = ["Thinking about ", "the request."];
    const summary = deltas.join("");
    reasoningTokens = countWords(summary);
    const base = { item_id: itemId, output_index: outputIndex, summary_index: 0 };
    push("response.output_item.added", {
      output_index: outputIndex,
      item: { type: "reasoning", id: itemId, summary: [] },
    });
    push("response.reasoning_summary_part.added", {
      ...base,
      part: { type: "summary_text", text: "" },
    });
    for (const delta of deltas) push("response.reasoning_summary_text.delta", { ...base, delta });
    push("response.reasoning_summary_text.done", { ...base, text: summary });
    push("response.reasoning_summary_part.done", {
      ...base,
      part: { type: "summary_text", text: summary },
    });
    const item = {
      type: "reasoning",
      id: itemId,
      summary: [{ type: "summary_text", text: summary }],
    };
    push("response.output_item.done", { output_index: outputIndex, item });
    output.push(item);
  }

  {
    const itemId = "msg_mock_1";
    const outputIndex = output.length;
    const base = { item_id: itemId, output_index: outputIndex, content_index: 0 };
    push("response.output_item.added", {
      output_index: outputIndex,
      item: { type: "message", id: itemId, role: "assistant", status: "in_progress", content: [] },
    });
    push("response.content_part.added", {
      ...base,
      part: { type: "output_text", text: "", annotations: [] },
    });
    for (const delta of wordPieces(text))
      push("response.output_text.delta", { ...base, delta, logprobs: [] });
    push("response.output_text.done", { ...base, text, logprobs: [] });
    const part = { type: "output_text", text, annotations: [] };
    push("response.content_part.done", { ...base, part });
    const item = {
      type: "message",
      id: itemId,
      role: "assistant",
      status: "completed",
      content: [part],
    };
    push("response.output_item.done", { output_index: outputIndex, item });
    output.push(item);
  }

  const tools = Array.isArray(req.tools) ? req.tools : [];
  if (tools.length > 0) {
    const named = tools.find((t): t is Json => isObject(t) && typeof t.name === "string");
    const name = named ? (named.name as string) : "mock_tool";
    const outputIndex = output.length;
    const item = {
      type: "function_call",
      id: "fc_mock_1",
      call_id: "call_mock_1",
      name,
      arguments: "{}",
    };
    push("response.output_item.added", {
      output_index: outputIndex,
      item: { ...item, status: "in_progress" },
    });
    const done = { ...item, status: "completed" };
    push("response.output_item.done", { output_index: outputIndex, item: done });
    output.push(done);
  }

  const inputTexts: string[] = [];
  collectText(input, inputTexts);
  const inputTokens = Math.max(1, countWords(inputTexts.join(" ")));
  const outputTokens = countWords(text) + reasoningTokens + (tools.length > 0 ? 1 : 0);
  push("response.completed", {
    response: {
      id,
      object: "response",
      status: "completed",
      model,
      output,
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: reasoningTokens },
        total_tokens: inputTokens + outputTokens,
      },
    },
  });
  return events;
}

function cannedCompact(request: unknown): Json {
  const input = isObject(request) && Array.isArray(request.input) ? request.input : [];
  return {
    output: [
      ...input.filter(isUserMessage),
      { type: "compaction", encrypted_content: `mock-compacted-${input.length}` },
    ],
  };
}

function cannedMemories(request: unknown): Json {
  const traces = isObject(request) && Array.isArray(request.traces) ? request.traces : [];
  return {
    output: traces.map((t) => {
      const trace = isObject(t) ? t : {};
      const id = String(trace.id);
      const n = Array.isArray(trace.items) ? trace.items.length : 0;
      const source = isObject(trace.metadata) ? String(trace.metadata.source_path) : "undefined";
      return {
        trace_summary: `Trace ${id}: ${n} items from ${source}`,
        memory_summary: `Remember ${id}.`,
      };
    }),
  };
}

function routeOf(path: string): MockEndpoint | undefined {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  if (p.endsWith("/responses/compact")) return "compact";
  if (p.endsWith("/memories/trace_summarize")) return "memories";
  if (p.endsWith("/responses")) return "responses";
  return undefined;
}

function errorJson(message: string, type: string, code: string | null): string {
  return JSON.stringify({ error: { message, type, code } });
}

function htmlPage(status: number): string {
  return `<html><body><h1>${status} ${STATUS_CODES[status] ?? "Error"}</h1></body></html>`;
}

function rateLimitHeaders(): Record<string, string> {
  return {
    "x-codex-primary-used-percent": "12.5",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": String(Math.floor(Date.now() / 1000) + 3600),
    "x-codex-secondary-used-percent": "40",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-credits-has-credits": "true",
    "x-codex-credits-unlimited": "false",
    "x-codex-credits-balance": "9.99",
  };
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** How the mock server listens. */
export interface MockServerOptions {
  /** Default: a free port. */
  port?: number;
  /**
   * Default false. Answer a browser page of any origin: every reply allows it and exposes all its
   * headers, and a preflight `OPTIONS` gets a 204 allowing the requested headers (it is not recorded).
   */
  cors?: boolean;
}

/** Adds the CORS reply headers; answers a preflight and returns true for one. */
function allowCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader("access-control-allow-origin", "*");
  res.setHeader("access-control-expose-headers", "*");
  if (req.method !== "OPTIONS") return false;
  const requested = req.headers["access-control-request-headers"];
  res.writeHead(204, {
    "access-control-allow-methods": "POST",
    ...(requested ? { "access-control-allow-headers": requested } : {}),
    "access-control-max-age": "600",
  });
  res.end();
  return true;
}

/** Starts a mock server on 127.0.0.1 (a free port unless `options.port`). */
export function startMockServer(
  script: MockScript = {},
  options: MockServerOptions = {},
): Promise<MockServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const used: Record<MockEndpoint, number> = { responses: 0, compact: 0, memories: 0 };
  let requestCount = 0;
  let closing: Promise<void> | undefined;

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const every = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setInterval(fn, ms);
    timers.add(t);
    return t;
  };
  const cancel = (t: NodeJS.Timeout): void => {
    clearTimeout(t);
    timers.delete(t);
  };

  const nextReply = (endpoint: MockEndpoint): MockReply => {
    const entry = script[endpoint];
    const n = used[endpoint]++;
    if (entry === undefined) return {};
    if (!Array.isArray(entry)) return entry;
    return entry[Math.min(n, entry.length - 1)] ?? {};
  };

  const server = createServer((req, res) => {
    if (closing) {
      req.socket.destroy();
      return;
    }
    if (options.cors && allowCors(req, res)) return;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (closing) {
        req.socket.destroy();
        return;
      }
      handle(req, res, Buffer.concat(chunks));
    });
    req.on("error", () => req.socket.destroy());
  });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer): void => {
    requestCount++;
    const requestId = `req_${requestCount}`;
    const url = req.url ?? "/";
    const path = url.split("?")[0] ?? "/";
    const endpoint = routeOf(path);
    const method = req.method ?? "GET";
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    const base: Record<string, string> = { "x-request-id": requestId };

    const encoding = (headers["content-encoding"] ?? "identity").trim().toLowerCase();
    let decoded: Buffer | undefined;
    let encodingError: { status: number; message: string; code: string } | undefined;
    try {
      if (encoding === "identity" || encoding === "") decoded = raw;
      else if (encoding === "gzip" || encoding === "x-gzip") decoded = zlib.gunzipSync(raw);
      else if (encoding === "deflate") decoded = zlib.inflateSync(raw);
      else if (encoding === "br") decoded = zlib.brotliDecompressSync(raw);
      else if (encoding === "zstd") {
        const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer })
          .zstdDecompressSync;
        if (zstd) decoded = zstd(raw);
      }
      if (decoded === undefined) {
        encodingError = {
          status: 415,
          message: `unsupported content-encoding: ${encoding}`,
          code: "unsupported_encoding",
        };
      }
    } catch (err) {
      encodingError = {
        status: 400,
        message: `bad ${encoding} body: ${(err as Error).message}`,
        code: "bad_encoding",
      };
    }
    const rawBody = (decoded ?? raw).toString("utf8");
    let body: unknown = rawBody;
    if (decoded !== undefined && rawBody !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    requests.push({ endpoint, method, path, url, headers, body, rawBody });

    if (endpoint === undefined) {
      send(
        res,
        404,
        base,
        errorJson(`no such route: ${path}`, "invalid_request_error", "not_found"),
      );
      return;
    }
    if (method !== "POST") {
      send(
        res,
        405,
        { ...base, allow: "POST" },
        errorJson(
          `method ${method} not allowed on ${path}`,
          "invalid_request_error",
          "method_not_allowed",
        ),
      );
      return;
    }
    if (encodingError) {
      send(
        res,
        encodingError.status,
        base,
        errorJson(encodingError.message, "invalid_request_error", encodingError.code),
      );
      return;
    }

    const reply = nextReply(endpoint);
    if (reply.stallBeforeHeaders) return; // never answer; close() or the client ends it
    const status = reply.status ?? 200;
    const ok = status >= 200 && status < 300;
    const extra = lowerKeys(reply.headers);

    if (!ok || reply.html || reply.body !== undefined || endpoint !== "responses") {
      let text: string;
      let contentType = "application/json";
      if (reply.html) {
        contentType = "text/html; charset=utf-8";
        text = typeof reply.body === "string" ? reply.body : htmlPage(status);
      } else if (reply.body !== undefined) {
        text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      } else if (!ok) {
        text = errorJson(`mock ${status}`, "server_error", null);
      } else {
        text = JSON.stringify(endpoint === "compact" ? cannedCompact(body) : cannedMemories(body));
      }
      send(
        res,
        status,
        { ...base, "content-type": contentType, ...extra },
        text,
        reply.resetAfterBytes,
      );
      return;
    }

    // 2xx /responses: server-sent events.
    let events = reply.events ?? cannedEvents(body);
    if (reply.omitTerminal) {
      events = events.filter((e) => e.type !== "response.completed" && e.type !== "response.done");
    }
    const sseHeaders: Record<string, string> = {
      ...base,
      ...(script.rateLimitHeaders !== false && status === 200 ? rateLimitHeaders() : {}),
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      ...extra,
    };
    res.writeHead(status, sseHeaders);
    res.flushHeaders();

    const own = new Set<NodeJS.Timeout>();
    let done = false;
    const finish = (): void => {
      done = true;
      for (const t of own) cancel(t);
      own.clear();
    };
    res.on("close", finish);
    let written = 0;
    const limit = reply.resetAfterBytes;
    /** Writes a frame; returns false when the connection was reset. */
    const write = (frame: string): boolean => {
      const buf = Buffer.from(frame, "utf8");
      if (limit !== undefined && written + buf.length >= limit) {
        const part = buf.subarray(0, Math.max(0, limit - written));
        written = limit;
        reset(res, part);
        finish();
        return false;
      }
      written += buf.length;
      res.write(buf);
      return true;
    };

    let i = 0;
    const step = (): void => {
      if (done) return;
      while (i <= events.length) {
        if (reply.stallAfterEvents !== undefined && i >= reply.stallAfterEvents) {
          if (reply.keepAliveMs !== undefined && reply.keepAliveMs > 0) {
            own.add(every(reply.keepAliveMs, () => void (!done && write(": keep-alive\n\n"))));
          }
          return;
        }
        if (i === events.length) break;
        const event = events[i]!;
        const type = typeof event.type === "string" ? event.type : "message";
        const data = i === reply.malformedAt ? "{not json" : JSON.stringify(event);
        i++;
        if (!write(`event: ${type}\ndata: ${data}\n\n`)) return;
        if (reply.dripMs !== undefined && reply.dripMs > 0 && i < events.length) {
          const t = later(reply.dripMs, () => {
            own.delete(t);
            step();
          });
          own.add(t);
          return;
        }
      }
      if (limit !== undefined && written < limit) {
        // Fewer body bytes than the limit: still reset, the client must see a broken stream.
        reset(res, Buffer.alloc(0));
        finish();
        return;
      }
      finish();
      res.end();
    };
    if (reply.dripMs !== undefined && reply.dripMs > 0 && events.length > 0) {
      const t = later(reply.dripMs, () => {
        own.delete(t);
        step();
      });
      own.add(t);
    } else {
      step();
    }
  };

  /** Writes the part then destroys the socket with a TCP RST. */
  const reset = (res: ServerResponse, part: Buffer): void => {
    const socket = res.socket;
    const kill = (): void => {
      if (!socket || socket.destroyed) return;
      const s = socket as Socket & { resetAndDestroy?: () => void };
      if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
      else s.destroy();
    };
    if (!res.headersSent) res.flushHeaders();
    if (part.length > 0) res.write(part, () => kill());
    else later(0, kill);
  };

  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    text: string,
    resetAfterBytes?: number,
  ): void => {
    const buf = Buffer.from(text, "utf8");
    const all: Record<string, string> = { "content-type": "application/json", ...headers };
    if (resetAfterBytes !== undefined) {
      res.writeHead(status, { ...all, "content-length": String(buf.length) });
      reset(res, buf.subarray(0, Math.min(resetAfterBytes, Math.max(0, buf.length - 1))));
      return;
    }
    res.writeHead(status, { ...all, "content-length": String(buf.length) });
    res.end(buf);
  };

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (closing) socket.destroy();
  });

  return new Promise<MockServer>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        openConnections: () => sockets.size,
        close: () => {
          closing ??= new Promise<void>((done) => {
            for (const t of timers) clearTimeout(t);
            timers.clear();
            for (const s of sockets) s.destroy();
            sockets.clear();
            server.close(() => {
              for (const t of timers) clearTimeout(t);
              timers.clear();
              done();
            });
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
