// The stream pipeline against its floors, side by side in one process: the server runs in its own
// process; each round runs every consumer once, in an order rotated per round, after a gc(); every
// consumer reads the same fields (the delta text). A sample is 20 MiB of streams back to back (four
// 5 MiB streams, or one 20 MiB stream): one 5 MiB stream is too short for its CPU time to be read
// reliably (other threads' GC and compiler work lands in it), and with 40 MiB samples major GCs
// landed in them more often. Reported, per stream:
// medians of per-round ratios of wall time and of CPU time to the async-iterator floor and to the
// parse limit.
import { existsSync } from "node:fs";
import { createParser } from "eventsource-parser";
import { createClient as createFromSource } from "../src/index.js";
import { median, post, startBenchServer, type BenchServer } from "./server-process.js";

export type CreateClient = typeof createFromSource;
export type Consumer = (url: string) => Promise<number>;

export const DIST = new URL("../dist/index.js", import.meta.url);

/** Sums the delta lengths of a parsed payload (what every consumer touches). */
function deltaLength(payload: { type?: unknown; delta?: unknown }): number {
  return payload.type === "response.output_text.delta" ? (payload.delta as string).length : 0;
}

/** fetch + TextDecoder + eventsource-parser + JSON.parse per event, with callbacks: no iterator. */
const parseLimit: Consumer = async (url) => {
  const reader = (await post(url)).body!.getReader();
  const decoder = new TextDecoder();
  let n = 0;
  const parser = createParser({ onEvent: (e) => (n += deltaLength(JSON.parse(e.data))) });
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    parser.feed(decoder.decode(r.value, { stream: true }));
  }
  return n;
};

/**
 * The smallest async iterator over the same parser: events parsed into an array queue per chunk,
 * `next()` hands out the next queued one and reads a chunk only when the queue is empty.
 */
export const iteratorFloor: Consumer = async (url) => {
  const reader = (await post(url)).body!.getReader();
  const decoder = new TextDecoder();
  const queue: unknown[] = [];
  let head = 0;
  const parser = createParser({ onEvent: (e) => queue.push(JSON.parse(e.data)) });
  const iterator: AsyncIterableIterator<unknown> = {
    async next() {
      while (head === queue.length) {
        queue.length = head = 0;
        const r = await reader.read();
        if (r.done) return { done: true, value: undefined };
        parser.feed(decoder.decode(r.value, { stream: true }));
      }
      return { done: false, value: queue[head++] };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  let n = 0;
  for await (const payload of iterator) n += deltaLength(payload as { type?: unknown });
  return n;
};

/** The client, made once per consumer (as an app keeps one); each call streams one reply. */
export function project(createClient: CreateClient, includeRawEvents: boolean): Consumer {
  // A consumer serves one bench server, so the client of its first call is the one it keeps.
  let client: ReturnType<CreateClient> | undefined;
  // Named, so that a profile (bench/profile.ts) tells this loop from the floor's.
  return async function projectStream(url) {
    client ??= createClient({ provider: { baseUrl: url }, auth: "bench-token" });
    let n = 0;
    for await (const event of await client.responses.stream(
      { model: "bench", input: [] },
      { includeRawEvents },
    )) {
      if (event.type === "outputTextDelta") n += event.delta.length;
    }
    return n;
  };
}

interface Sample {
  ms: number;
  cpuMs: number;
}

/** `streams` streams back to back: wall and CPU time per stream. */
async function sample(
  consumer: Consumer,
  url: string,
  streams: number,
  gc: () => void,
): Promise<Sample> {
  gc();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < streams; i++) await consumer(url);
  const ms = (performance.now() - start) / streams;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 / streams };
}

async function consumers(): Promise<Record<string, Consumer>> {
  const all: Record<string, Consumer> = {
    "async-iterator floor": iteratorFloor,
    "parse limit (callbacks)": parseLimit,
    "codex-api (src)": project(createFromSource, false),
    "codex-api (src, includeRawEvents)": project(createFromSource, true),
  };
  if (existsSync(DIST)) {
    const built = (await import(DIST.href)) as { createClient: CreateClient };
    all["codex-api (dist)"] = project(built.createClient, false);
    all["codex-api (dist, includeRawEvents)"] = project(built.createClient, true);
  } else {
    console.log("(dist/ not built: run `npm run build` to measure what users import)");
  }
  return all;
}

async function benchSize(mib: number, rounds: number, gc: () => void): Promise<void> {
  const server: BenchServer = await startBenchServer(mib);
  const streams = Math.max(1, Math.round(20 / mib));
  const all = await consumers();
  const names = Object.keys(all);
  const ratios = new Map<string, { floor: number[]; limit: number[]; cpuFloor: number[] }>();
  const samples = new Map<string, Sample[]>();
  for (const name of names) {
    ratios.set(name, { floor: [], limit: [], cpuFloor: [] });
    samples.set(name, []);
    await all[name]!(server.url); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const got = new Map<string, Sample>();
    for (const name of order) got.set(name, await sample(all[name]!, server.url, streams, gc));
    const floor = got.get(names[0]!)!;
    const limit = got.get(names[1]!)!;
    for (const name of names) {
      const s = got.get(name)!;
      samples.get(name)!.push(s);
      const r = ratios.get(name)!;
      r.floor.push(s.ms / floor.ms);
      r.limit.push(s.ms / limit.ms);
      r.cpuFloor.push(s.cpuMs / floor.cpuMs);
    }
  }
  const mb = server.bytes / 2 ** 20;
  console.log(
    `\n## Stream pipeline: ${mb.toFixed(1)} MiB, ${server.events} events, ${rounds} rounds of ${streams} stream(s) per consumer`,
  );
  console.log(
    "| consumer | ms per stream | CPU ms/MiB | time ÷ floor | time ÷ parse limit | CPU ÷ floor |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const name of names) {
    const s = samples.get(name)!;
    const r = ratios.get(name)!;
    const cpu = median(s.map((x) => x.cpuMs)) / mb;
    console.log(
      `| ${name} | ${median(s.map((x) => x.ms)).toFixed(0)} | ${cpu.toFixed(1)} | ${median(r.floor).toFixed(2)}× | ${median(r.limit).toFixed(2)}× | ${median(r.cpuFloor).toFixed(2)}× |`,
    );
  }
  server.child.kill();
}

/** `npm run bench` part "pipeline": 5 MiB and 20 MiB streams (MIB=5,20 to choose). */
export async function pipelineBench(rounds: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench does)");
  const sizes = (process.env["MIB"] ?? "5,20").split(",").map(Number);
  for (const mib of sizes) await benchSize(mib, rounds, gc);
}
