// Reply writers: a whole body (JSON, HTML or text) with its status, and server-sent events with the
// fault knobs (slow drip, stall with keep-alives, reset after N bytes, malformed event, no terminal
// event). Every timer is kept in a `Timers` set, so closing the server clears them all.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { MockReply } from "./script.js";

/** The timers of one server; `clear()` cancels them all. */
export interface Timers {
  later(ms: number, fn: () => void): NodeJS.Timeout;
  every(ms: number, fn: () => void): NodeJS.Timeout;
  cancel(t: NodeJS.Timeout): void;
  clear(): void;
}

/** A fresh timer set. */
export function createTimers(): Timers {
  const timers = new Set<NodeJS.Timeout>();
  return {
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
      return t;
    },
    every(ms, fn) {
      const t = setInterval(fn, ms);
      timers.add(t);
      return t;
    },
    cancel(t) {
      clearTimeout(t);
      timers.delete(t);
    },
    clear() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** Where a writer writes: the reply, the server's timers, and headers every reply carries. */
export interface Outlet {
  res: ServerResponse;
  timers: Timers;
  /** Default headers (x-request-id…); the scripted reply's headers win over them. */
  headers: Record<string, string>;
}

/** A whole reply body and its status. */
export interface Body {
  status: number;
  contentType: string;
  text: string;
}

/** A JSON body: a value, or a string sent as-is. */
export function jsonBody(status: number, value: unknown): Body {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { status, contentType: "application/json", text };
}

/** The error object of an error body `{"error": {...}}`. */
export interface WireError {
  message: string;
  type: string;
  code: string | null;
}

/** An error body: `{"error":{"message","type","code"}}`. */
export function errorBody(status: number, error: WireError): Body {
  return jsonBody(status, { error });
}

/**
 * The body a reply scripts — an HTML page, its `body`, or a mock error for a non-2xx status — or
 * undefined when the endpoint's default reply is due.
 */
export function scriptedBody(reply: MockReply): Body | undefined {
  const status = reply.status ?? 200;
  if (reply.html) {
    const text = typeof reply.body === "string" ? reply.body : htmlPage(status);
    return { status, contentType: "text/html; charset=utf-8", text };
  }
  if (reply.body !== undefined) return jsonBody(status, reply.body);
  if (status < 200 || status >= 300) {
    return errorBody(status, { message: `mock ${status}`, type: "server_error", code: null });
  }
  return undefined;
}

function htmlPage(status: number): string {
  return `<html><body><h1>${status} ${STATUS_CODES[status] ?? "Error"}</h1></body></html>`;
}

/** Reply headers with lower-cased names, so scripted ones replace the defaults. */
function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Writes the part then destroys the socket with a TCP RST. */
function reset({ res, timers }: Outlet, part: Buffer): void {
  const socket = res.socket;
  const kill = (): void => {
    if (!socket || socket.destroyed) return;
    const s = socket as Socket & { resetAndDestroy?: () => void };
    if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
    else s.destroy();
  };
  if (!res.headersSent) res.flushHeaders();
  if (part.length > 0) res.write(part, () => kill());
  else timers.later(0, kill);
}

/** Sends a whole body with content-length, or with `resetAfterBytes` part of it and then a reset. */
export function writeBody(out: Outlet, body: Body, reply: MockReply = {}): void {
  const buf = Buffer.from(body.text, "utf8");
  out.res.writeHead(body.status, {
    "content-type": body.contentType,
    ...out.headers,
    ...lowerKeys(reply.headers),
    "content-length": String(buf.length),
  });
  const limit = reply.resetAfterBytes;
  if (limit === undefined) out.res.end(buf);
  else reset(out, buf.subarray(0, Math.min(limit, Math.max(0, buf.length - 1))));
}

/**
 * Each event's SSE frame, serialized once and kept while the event is: a reply that sends an event
 * again (a resumed stream, the same scripted list, over HTTP or a WebSocket) sends what was kept, as
 * a server that stores its events does. An event object changed after it was sent is sent as it
 * was first. `data`: where the JSON starts in the frame (a WebSocket sends that part).
 */
const typeOf = (event: Record<string, unknown>): string =>
  typeof event.type === "string" ? event.type : "message";
const frames = new WeakMap<object, { frame: Buffer; data: number }>();
function serialized(event: Record<string, unknown>): { frame: Buffer; data: number } {
  let kept = frames.get(event);
  if (kept === undefined) {
    const json: unknown = JSON.stringify(event);
    // A toJSON may write anything: only an object is an event (check-script.ts refuses the rest).
    if (typeof json !== "string" || !json.startsWith("{")) {
      throw new TypeError(`an event must be written as a JSON object, not ${String(json)}`);
    }
    const head = `event: ${typeOf(event)}\ndata: `;
    kept = { frame: Buffer.from(`${head}${json}\n\n`, "utf8"), data: Buffer.byteLength(head) };
    frames.set(event, kept);
  }
  return kept;
}
const frameOf = (event: Record<string, unknown>): Buffer => serialized(event).frame;

/** An event's JSON as the HTTP side sends it (serialized once): a WebSocket's text frame. */
export function jsonOf(event: Record<string, unknown>): Buffer {
  const { frame, data } = serialized(event);
  return frame.subarray(data, frame.length - 2);
}

/** What the mock says when it cannot write an event (a cycle a reply function returned). */
export const mockFailure = (error: unknown): string =>
  `mock server: cannot send an event: ${(error as Error)?.message ?? String(error)}`;

/**
 * Streams `events` from `start` on as SSE frames after the headers, applying the reply's fault knobs
 * (their event counts start at `start`).
 */
export function writeEvents(
  out: Outlet,
  reply: MockReply,
  events: Record<string, unknown>[],
  start = 0,
): void {
  const { res, timers } = out;
  if (reply.omitTerminal) {
    events = events
      .slice(start)
      .filter((e) => e.type !== "response.completed" && e.type !== "response.done");
    start = 0;
  }
  res.writeHead(reply.status ?? 200, {
    ...out.headers,
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    ...lowerKeys(reply.headers),
  });
  res.flushHeaders();

  const own = new Set<NodeJS.Timeout>();
  let done = false;
  const finish = (): void => {
    done = true;
    for (const t of own) timers.cancel(t);
    own.clear();
  };
  res.on("close", finish);
  let written = 0;
  const limit = reply.resetAfterBytes;
  /** Writes a frame; returns false when the connection was reset. */
  const write = (frame: string | Buffer): boolean => {
    const buf = typeof frame === "string" ? Buffer.from(frame, "utf8") : frame;
    if (limit !== undefined && written + buf.length >= limit) {
      const part = buf.subarray(0, Math.max(0, limit - written));
      written = limit;
      reset(out, part);
      finish();
      return false;
    }
    written += buf.length;
    res.write(buf);
    return true;
  };
  const drip = reply.dripMs !== undefined && reply.dripMs > 0 ? reply.dripMs : undefined;
  const later = (ms: number): void => {
    const t = timers.later(ms, () => {
      own.delete(t);
      step();
    });
    own.add(t);
  };

  let i = start; // the next event; `i - start` of the reply's events are written
  const step = (): void => {
    if (done) return;
    if (i === start && reply.dropAfterEvents === 0) {
      finish();
      return reset(out, Buffer.alloc(0)); // the headers, then no event at all
    }
    while (i <= events.length) {
      if (reply.stallAfterEvents !== undefined && i - start >= reply.stallAfterEvents) {
        if (reply.keepAliveMs !== undefined && reply.keepAliveMs > 0) {
          own.add(timers.every(reply.keepAliveMs, () => void (!done && write(": keep-alive\n\n"))));
        }
        return;
      }
      if (i === events.length) break;
      const event = events[i]!;
      const malformed = i - start === reply.malformedAt;
      let frame: string | Buffer;
      try {
        frame = malformed ? `event: ${typeOf(event)}\ndata: {not json\n\n` : frameOf(event);
      } catch (error) {
        // Never thrown from a timer (the host process): the client reads why, as an error event.
        finish();
        const payload = { type: "error", code: "mock_failure", message: mockFailure(error) };
        return void res.end(`event: error\ndata: ${JSON.stringify(payload)}\n\n`);
      }
      i++;
      if (i - start === reply.dropAfterEvents) {
        finish();
        // A close without the body's last chunk (FIN, not RST: what was sent arrives first).
        return void res.write(frame, () => res.socket?.destroy());
      }
      if (!write(frame)) return;
      if (drip !== undefined && i < events.length) return later(drip);
      // The socket's buffer is full: go on when it drains, as a server that streams does, so the
      // bytes written so far leave now rather than after the last event is serialized.
      if (res.writableNeedDrain) return void res.once("drain", step);
    }
    finish();
    // Fewer body bytes than the reset limit: still reset, the client must see a broken stream.
    if (limit !== undefined && written < limit) reset(out, Buffer.alloc(0));
    else res.end();
  };
  if (drip !== undefined && events.length > start) later(drip);
  else step();
}

/** Adds the CORS reply headers; answers a preflight and returns true for one. */
export function allowCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader("access-control-allow-origin", "*");
  res.setHeader("access-control-expose-headers", "*");
  if (req.method !== "OPTIONS") return false;
  const requested = req.headers["access-control-request-headers"];
  res.writeHead(204, {
    "access-control-allow-methods": "GET, POST, DELETE",
    ...(requested ? { "access-control-allow-headers": requested } : {}),
    "access-control-max-age": "600",
  });
  res.end();
  return true;
}
