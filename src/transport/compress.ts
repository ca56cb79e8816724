// Request body compression: gzip with CompressionStream, zstd (level 3) where the runtime has an
// encoder. A mode the runtime cannot do is an InvalidRequestError before anything is sent.
import { InvalidRequestError } from "../errors/catalogue.js";

/** How a request body is compressed (`Content-Encoding`). */
export type Compression = "none" | "gzip" | "zstd";

/** The body to send for `mode`. */
export async function compress(body: string, mode: Compression): Promise<Uint8Array | string> {
  if (mode === "none") return body;
  if (mode === "gzip") {
    if (typeof CompressionStream !== "function") {
      throw new InvalidRequestError(
        "compression: gzip is not available in this runtime (no CompressionStream); use none",
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
