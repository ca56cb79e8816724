// `npm run bench [-- part…]`: the stream pipeline against its floors (bench/stream.ts), throughput
// against openai-node, heap while draining, and per-request overhead of compactInput, each against
// baselines run side by side in this same process, reported as ratios (medians of interleaved
// rounds). Timings are never asserted; this only reports.
import { createParser } from "eventsource-parser";
import OpenAI from "openai";
import { createClient } from "../src/index.js";
import { median, post, request, startBenchServer as startServer } from "./server-process.js";
import { pipelineBench } from "./stream.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? "5");
const MB = Number(process.env["MB"] ?? "20");
const REQUESTS = Number(process.env["REQUESTS"] ?? "2000");

// Consumers of the stream; each returns how many events (or bytes) it saw.
const consumers: Record<string, (url: string) => Promise<number>> = {
  "raw body read (bytes only)": async (url) => {
    const reader = (await post(url)).body!.getReader();
    let n = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
    return n;
  },
  "eventsource-parser + JSON.parse (parse limit)": async (url) => {
    const reader = (await post(url)).body!.getReader();
    const decoder = new TextDecoder();
    let n = 0;
    const parser = createParser({
      onEvent: (e) => {
        JSON.parse(e.data);
        n += 1;
      },
    });
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      parser.feed(decoder.decode(r.value, { stream: true }));
    }
    return n;
  },
  "codex-api client.responses.stream": async (url) => {
    const client = createClient({ provider: { baseUrl: url }, auth: "bench-token" });
    const stream = await client.responses.stream(request);
    let n = 0;
    for await (const _event of stream) n += 1;
    return n;
  },
  "openai-node responses.create({stream})": async (url) => {
    const client = new OpenAI({ baseURL: url, apiKey: "bench-token", maxRetries: 0 });
    const stream = await client.responses.create({ model: "bench", input: "hi", stream: true });
    let n = 0;
    for await (const _event of stream) n += 1;
    return n;
  },
};

async function streamBench(): Promise<void> {
  const server = await startServer(MB);
  const mb = server.bytes / 1e6;
  console.log(
    `\n## Responses stream: ${mb.toFixed(1)} MB, ${server.events} events, ${ROUNDS} rounds`,
  );
  const names = Object.keys(consumers);
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  const ratios = new Map<string, number[]>(names.map((n) => [n, []]));
  for (const name of names) await consumers[name]!(server.url); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const roundTimes = new Map<string, number>();
    for (const name of names) {
      const start = performance.now();
      await consumers[name]!(server.url);
      roundTimes.set(name, performance.now() - start);
    }
    const limit = roundTimes.get(names[1]!)!;
    for (const name of names) {
      times.get(name)!.push(roundTimes.get(name)!);
      ratios.get(name)!.push(limit / roundTimes.get(name)!);
    }
  }
  console.log("| consumer | ms | MB/s | k events/s | throughput vs parse limit |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const name of names) {
    const ms = median(times.get(name)!);
    console.log(
      `| ${name} | ${ms.toFixed(0)} | ${(mb / (ms / 1000)).toFixed(0)} | ${(server.events / ms).toFixed(0)} | ${median(ratios.get(name)!).toFixed(2)}× |`,
    );
  }
  const ours = times.get(names[2]!)!;
  const theirs = times.get(names[3]!)!;
  const vsOpenai = median(ours.map((t, i) => theirs[i]! / t));
  console.log(`codex-api vs openai-node throughput: ${vsOpenai.toFixed(2)}×`);
  server.child.kill();
}

async function heapBench(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log("\n(heap: run with node --expose-gc to measure; `npm run bench` does)");
    return;
  }
  const server = await startServer(50);
  const client = createClient({ provider: { baseUrl: server.url }, auth: "bench-token" });
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  let n = 0;
  const stream = await client.responses.stream(request);
  for await (const _event of stream) {
    n += 1;
    if (n % 20_000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
  }
  gc();
  const after = process.memoryUsage().heapUsed - before;
  console.log(
    `\n## Heap while draining ${(server.bytes / 1e6).toFixed(1)} MB (${n} events) without collect()`,
  );
  console.log(
    `largest retained growth mid-stream: ${(peak / 1e6).toFixed(2)} MB; after: ${(after / 1e6).toFixed(2)} MB`,
  );
  server.child.kill();
}

async function overheadBench(): Promise<void> {
  const server = await startServer(0);
  const client = createClient({ provider: { baseUrl: server.url }, auth: "bench-token" });
  const input = { model: "bench", input: [], instructions: "" };
  const cases: Record<string, () => Promise<unknown>> = {
    "raw fetch + JSON.parse": async () => {
      const res = await fetch(`${server.url}/responses/compact`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer bench-token" },
        body: JSON.stringify(input),
      });
      return JSON.parse(await res.text());
    },
    "codex-api compact.compactInput": () => client.compact.compactInput(input),
  };
  const names = Object.keys(cases);
  const ratios: number[] = [];
  const perReq = new Map<string, number[]>(names.map((n) => [n, []]));
  for (const name of names) for (let i = 0; i < 200; i++) await cases[name]!(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const t = new Map<string, number>();
    // Alternate which case goes first, so neither always runs on a warmer process.
    for (const name of round % 2 ? [...names].reverse() : names) {
      const start = performance.now();
      for (let i = 0; i < REQUESTS; i++) await cases[name]!();
      t.set(name, performance.now() - start);
      perReq.get(name)!.push((t.get(name)! * 1000) / REQUESTS);
    }
    ratios.push(t.get(names[1]!)! / t.get(names[0]!)!);
  }
  console.log(
    `\n## compactInput per-request overhead: ${REQUESTS} sequential small requests × ${ROUNDS} rounds`,
  );
  for (const name of names)
    console.log(`${name}: ${median(perReq.get(name)!).toFixed(0)} µs/request`);
  console.log(
    `ratio (codex-api / raw): ${ratios.map((r) => r.toFixed(2)).join(", ")} → median ${median(ratios).toFixed(2)}×`,
  );
  server.child.kill();
}

// Parts by name on the command line or in BENCH (default: all but websocket, profile and resume,
// which are run by name: `npm run bench -- websocket`, `npm run bench -- resume`).
const named = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const parts =
  named.length > 0 ? named : (process.env["BENCH"] ?? "pipeline,stream,heap,overhead").split(",");
if (parts.includes("pipeline")) await pipelineBench(Number(process.env["ROUNDS"] ?? "11"));
if (parts.includes("websocket")) await (await import("./websocket.js")).websocketBench();
if (parts.includes("stream")) await streamBench();
if (parts.includes("heap")) await heapBench();
if (parts.includes("overhead")) await overheadBench();
if (parts.includes("profile")) await (await import("./profile.js")).profileBench();
if (parts.includes("resume"))
  await (await import("./resume.js")).resumeBench(Number(process.env["ROUNDS"] ?? "15"));
