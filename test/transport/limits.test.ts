// Bounded reads against a real server: a JSON reply past provider.limits.maxReplyBytes (counted
// after content-encoding) fails once with a non-retryable InvalidResponseError, the read cancelled;
// error bodies are read up to 64 KiB. The process's RSS stays bounded for bodies of a gigabyte.
import type { ServerResponse } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  InvalidResponseError,
  ServerError,
  createClient,
  type ProviderConfig,
} from "../../src/index.js";
import { json, type TestServer, serveEach } from "../helpers/server.js";
import { rejection } from "../helpers/calls.js";

const INPUT = { model: "gpt-test", input: [], instructions: "" };
const MiB = 1024 * 1024;

const serve = serveEach();

function compact(server: TestServer, provider: Partial<ProviderConfig> = {}) {
  const client = createClient({
    provider: { baseUrl: server.url, retry: { maxAttempts: 3, baseDelayMs: 1 }, ...provider },
    auth: "tok",
  });
  return client.compact.compactInput(INPUT);
}

/** How many bytes each reply of a `streamed` handler wrote before the client hung up. */
const written: number[] = [];

/** A reply that writes `count` copies of `chunk` with backpressure, stopping when the client leaves. */
function streamed(headers: Record<string, string>, chunk: Buffer, count: number, status = 200) {
  return (_req: unknown, res: ServerResponse) => {
    const i = written.push(0) - 1;
    res.writeHead(status, headers);
    let n = 0;
    const pump = (): void => {
      while (n < count && !res.destroyed) {
        n++;
        written[i]! += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("error", () => {});
    pump();
  };
}

/** A full GC (V8's gc exposed at runtime), so RSS is measured from a settled heap. */
const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** Runs `task` while sampling RSS every 5 ms; resolves with its outcome and the peak growth in MiB. */
async function peakRss<T>(
  task: () => Promise<T>,
): Promise<{ outcome: unknown; growthMiB: number }> {
  gc();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const outcome = await task().then(
    (v) => v,
    (e: unknown) => e,
  );
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  const growthMiB = Math.round((peak - before) / MiB);
  console.log(`RSS ${Math.round(before / MiB)} MiB, peak growth ${growthMiB} MiB`);
  return { outcome, growthMiB };
}

function expectTooLarge(error: unknown, limit: number): void {
  expect(error).toBeInstanceOf(InvalidResponseError);
  const e = error as InvalidResponseError;
  expect(e.code).toBe("response_too_large");
  expect(e.retryable).toBe(false);
  expect(e.attempts).toBe(1);
  expect(e.status).toBe(200);
  expect(e.message).toContain(`maxReplyBytes (${limit} bytes)`);
}

describe("maxReplyBytes", () => {
  it("a reply one byte over the limit fails, not retried; one at the limit is read", async () => {
    const body = JSON.stringify({ output: [] });
    const limits = { maxReplyBytes: body.length };
    await expect(compact(await serve(json(200, body)), { limits })).resolves.toEqual([]);
    const server = await serve(json(200, `${body} `));
    expectTooLarge(await rejection(compact(server, { limits })), body.length);
    expect(server.requests).toHaveLength(1);
  });

  it("counts decoded bytes: a gzip bomb (1 KiB per MiB, 1 GiB decoded) stops at the default 32 MiB", async () => {
    const member = gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 });
    const bomb = streamed(
      { "content-type": "application/json", "content-encoding": "gzip" },
      member,
      1024,
    );
    const server = await serve(bomb);
    const { outcome, growthMiB } = await peakRss(() => compact(server));
    expectTooLarge(outcome, 32 * MiB);
    expect(server.requests).toHaveLength(1);
    // Without the limit the client holds the whole gigabyte (measured: 2.2 GB).
    expect(growthMiB).toBeLessThan(256);
  });

  it("a 600 MB plain reply is cancelled at the limit and downloaded once", async () => {
    written.length = 0;
    const server = await serve(
      streamed({ "content-type": "application/json" }, Buffer.alloc(MiB, 0x20), 600),
    );
    const { outcome, growthMiB } = await peakRss(() => compact(server));
    expectTooLarge(outcome, 32 * MiB);
    expect(server.requests).toHaveLength(1);
    expect(written).toHaveLength(1);
    expect(written[0]!).toBeLessThan(100 * MiB);
    expect(growthMiB).toBeLessThan(256);
  });

  it("a Content-Length over the limit is refused before the body is read", async () => {
    written.length = 0;
    const size = 64 * MiB;
    const server = await serve(
      streamed(
        { "content-type": "application/json", "content-length": String(size) },
        Buffer.alloc(MiB),
        64,
      ),
    );
    expectTooLarge(await rejection(compact(server, { limits: { maxReplyBytes: MiB } })), MiB);
    expect(written[0]!).toBeLessThan(size);
  });
});

describe("error bodies", () => {
  it("a 503 with a 150 MB body is read up to 64 KiB per attempt, quoted from its start", async () => {
    written.length = 0;
    const page = Buffer.from(`<html>down ${"x".repeat(MiB - 11)}`);
    const server = await serve(streamed({ "content-type": "text/html" }, page, 150, 503));
    const { outcome, growthMiB } = await peakRss(() => compact(server));
    expect(outcome).toBeInstanceOf(ServerError);
    expect((outcome as ServerError).attempts).toBe(3);
    expect((outcome as ServerError).message).toContain("<html>down x");
    expect(written).toHaveLength(3);
    // Each attempt stopped early: socket buffers, not 150 MB.
    for (const bytes of written) expect(bytes).toBeLessThan(16 * MiB);
    expect(growthMiB).toBeLessThan(128);
  });
});
