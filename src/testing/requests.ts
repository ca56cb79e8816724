// Request decoding: reads a request's body, undoes its content-encoding (gzip, deflate, br, zstd)
// and builds the `RecordedRequest` that lands in `mock.requests`.
import type { IncomingMessage } from "node:http";
import * as zlib from "node:zlib";
import type { RecordedRequest } from "./script.js";

export type { RecordedRequest };

/** A body the server cannot decode, and the error reply it earns. */
export interface DecodeError {
  status: number;
  message: string;
  code: string;
}

/** A decoded request: everything but the endpoint (the route table's business). */
export interface Decoded {
  request: Omit<RecordedRequest, "endpoint">;
  error?: DecodeError;
}

/** The largest request body the mock reads or decodes (bytes); past it the request gets a 413. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Collects the body, then calls `done`; past MAX_BODY_BYTES the rest is read and dropped and
 * `done` gets `undefined`. A request that errors has its socket destroyed.
 */
export function readBody(req: IncomingMessage, done: (raw: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY_BYTES) chunks.push(c);
    else chunks.length = 0;
  });
  req.on("end", () => done(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
  req.on("error", () => req.socket.destroy());
}

/** Decodes a request whose body was read (undefined: too large): path, headers, body text and JSON. */
export function decodeRequest(req: IncomingMessage, read: Buffer | undefined): Decoded {
  const raw = read ?? Buffer.alloc(0);
  const url = req.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  const method = req.method ?? "GET";
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  const encoding = (headers["content-encoding"] ?? "identity").trim().toLowerCase();
  const decoded = decompress(raw, encoding);
  const ok = Buffer.isBuffer(decoded);
  const rawBody = (ok ? decoded : raw).toString("utf8");
  let body: unknown = rawBody;
  if (ok && rawBody !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = rawBody;
    }
  }
  const request = { method, path, url, headers, body, rawBody };
  if (!read) {
    const message = `the body is larger than ${MAX_BODY_BYTES} bytes`;
    return { request, error: { status: 413, message, code: "body_too_large" } };
  }
  if (!ok) return { request, error: decoded };
  if (deeperThan(body, MAX_DEPTH)) {
    const message = `the JSON body is nested deeper than ${MAX_DEPTH} levels`;
    return { request, error: { status: 400, message, code: "body_too_deep" } };
  }
  return { request };
}

/** How deep a request body may nest; the canned replies walk it recursively. */
export const MAX_DEPTH = 1000;

/** True when `value` nests arrays and objects deeper than `max` (walked without recursion). */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function decompress(raw: Buffer, encoding: string): Buffer | DecodeError {
  // A compression bomb stops at the limit (the decoder throws, and the request gets a 400).
  const bounded = { maxOutputLength: MAX_BODY_BYTES };
  try {
    if (encoding === "identity" || encoding === "") return raw;
    if (encoding === "gzip" || encoding === "x-gzip") return zlib.gunzipSync(raw, bounded);
    if (encoding === "deflate") return zlib.inflateSync(raw, bounded);
    if (encoding === "br") return zlib.brotliDecompressSync(raw, bounded);
    // zstd needs Node 22.15+; older runtimes answer 415 like any unknown encoding.
    const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer, o: object) => Buffer })
      .zstdDecompressSync;
    if (encoding === "zstd" && zstd) return zstd(raw, bounded);
  } catch (err) {
    const message = `bad ${encoding} body: ${(err as Error).message}`;
    return { status: 400, message, code: "bad_encoding" };
  }
  const message = `unsupported content-encoding: ${encoding}`;
  return { status: 415, message, code: "unsupported_encoding" };
}
