// Request body compression: gzip with CompressionStream, zstd (level 3) where the runtime has an
// encoder. An unknown mode, or one the runtime cannot do, is an InvalidRequestError before anything
// is sent (never retried).
import { InvalidRequestError } from "../errors/catalogue.js";

/** How a request body is compressed (`Content-Encoding`). */
export type Compression = "none" | "gzip" | "zstd";

const MODES: readonly unknown[] = ["none", "gzip", "zstd"] satisfies Compression[];

/** The body to send for `mode`. */
export async function compress(body: string, mode: Compression): Promise<Uint8Array | string> {
  if (!MODES.includes(mode)) {
    const shown = typeof mode === "string" ? JSON.stringify(mode.slice(0, 20)) : typeof mode;
    throw new InvalidRequestError(`compression: ${shown} is not one of "none", "gzip", "zstd"`, {
      param: "compression",
    });
  }
  if (mode === "none") return body;
  if (mode === "gzip") {
    if (typeof CompressionStream === "undefined") {
      throw new InvalidRequestError(
        "compression: gzip is not available in this runtime (no CompressionStream); use none",
        { param: "compression" },
      );
    }
    const stream = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  // zstd: only where the runtime has an encoder (node:zlib from Node 22.15 / 23.8).
  type Zlib = {
    zstdCompressSync?: (b: string, o: object) => Uint8Array;
    constants?: Record<string, number>;
  };
  // A module name in a variable: bundlers for browsers and edge runtimes leave it alone.
  const zlibModule = "node:zlib";
  const zlib: Zlib | undefined = await import(/* @vite-ignore */ zlibModule).catch(() => undefined);
  const level = zlib?.constants?.["ZSTD_c_compressionLevel"];
  if (!zlib?.zstdCompressSync || level === undefined) {
    throw new InvalidRequestError(
      "compression: zstd is not available in this runtime (no zstd encoder); use gzip or none",
    );
  }
  return zlib.zstdCompressSync(body, { params: { [level]: 3 } });
}
