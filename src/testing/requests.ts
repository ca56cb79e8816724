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

/** Collects the body, then calls `done`; a request that errors has its socket destroyed. */
export function readBody(req: IncomingMessage, done: (raw: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => done(Buffer.concat(chunks)));
  req.on("error", () => req.socket.destroy());
}

/** Decodes a request whose body was read: path, headers, body text and JSON. */
export function decodeRequest(req: IncomingMessage, raw: Buffer): Decoded {
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
  return ok ? { request } : { request, error: decoded };
}

function decompress(raw: Buffer, encoding: string): Buffer | DecodeError {
  try {
    if (encoding === "identity" || encoding === "") return raw;
    if (encoding === "gzip" || encoding === "x-gzip") return zlib.gunzipSync(raw);
    if (encoding === "deflate") return zlib.inflateSync(raw);
    if (encoding === "br") return zlib.brotliDecompressSync(raw);
    // zstd needs Node 22.15+; older runtimes answer 415 like any unknown encoding.
    const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer })
      .zstdDecompressSync;
    if (encoding === "zstd" && zstd) return zstd(raw);
  } catch (err) {
    const message = `bad ${encoding} body: ${(err as Error).message}`;
    return { status: 400, message, code: "bad_encoding" };
  }
  const message = `unsupported content-encoding: ${encoding}`;
  return { status: 415, message, code: "unsupported_encoding" };
}
