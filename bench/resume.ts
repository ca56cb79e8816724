// `npm run bench -- resume`: what resuming costs. A 20 MiB background stream from the shipped mock
// server over loopback, read once whole and once dropped every 2 MiB (each drop a closed connection
// and a GET /responses/{id}?stream=true&starting_after=N). Each round reads both back to back,
// alternating which goes first, and the cost is the median of the rounds' differences (dropped −
// whole), so a slow moment of the machine lands on both runs of a round rather than on one side;
// prints `resume: N drops, text identical, +X ms per resume (Y % of stream time)` and, bracketed,
// the medians of each side and the interquartile range of the differences (the noise).
// The two mock servers run in a child process (this file, with RESUME_BENCH_SERVER set), so their
// work does not share the client's event loop.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, type ResponsesRequest } from "../src/index.js";
import { startMockServer, type MockReply } from "../src/testing/index.js";
import { median } from "./server-process.js";

const MiB = 1024 * 1024;
const DELTA = "resumable ".repeat(25); // 250 characters per delta event

/**
 * The events of one background response of about `bytes` of SSE, numbered. Written out as literals,
 * not spread: objects of one shape, as JSON.parse gives a recording's events (the mock reads a
 * number from each when a resumed GET first asks for a point, slow on objects of many shapes).
 */
function events(bytes: number): Record<string, unknown>[] {
  const id = "resp_bench";
  const response = { id, object: "response", status: "in_progress", model: "bench", output: [] };
  const out: Record<string, unknown>[] = [
    { type: "response.created", response, sequence_number: 0 },
  ];
  for (let size = 0; size < bytes; size += DELTA.length + 160) {
    out.push({
      type: "response.output_text.delta",
      item_id: "msg_bench",
      output_index: 0,
      content_index: 0,
      delta: DELTA,
      sequence_number: out.length,
    });
  }
  const text = DELTA.repeat(out.length - 1);
  const content = [{ type: "output_text", text, annotations: [] }];
  const item = {
    type: "message",
    id: "msg_bench",
    role: "assistant",
    status: "completed",
    content,
  };
  out.push({
    type: "response.output_item.done",
    output_index: 0,
    item,
    sequence_number: out.length,
  });
  const completed = { ...response, status: "completed" };
  out.push({ type: "response.completed", response: completed, sequence_number: out.length });
  return out;
}

/** A full collection before a timed run (`npm run bench` exposes gc), so none lands inside it. */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Reads one background stream; returns its text and how long it took (ms). */
async function readOnce(url: string, drops: number) {
  collect();
  let resumes = 0;
  const client = createClient({
    provider: { baseUrl: `${url}/v1` },
    auth: "bench-token",
    telemetry: { onResume: () => void resumes++ },
  });
  const request = { model: "bench", input: [], background: true, store: true } as ResponsesRequest;
  const start = performance.now();
  const stream = await client.responses.stream(request, { resume: { maxResumes: drops } });
  let text = "";
  for await (const event of stream) if (event.type === "outputTextDelta") text += event.delta;
  return { text, ms: performance.now() - start, resumes };
}

/**
 * The floor: the same two servers read by a bare client (fetch, no parsing), which resumes after
 * each drop at the sequence number it knows the server dropped at. Returns how long it took (ms).
 */
async function readBare(url: string, perDrop: number): Promise<number> {
  const headers = { authorization: "Bearer bench-token", "content-type": "application/json" };
  const body = JSON.stringify({ model: "bench", input: [], background: true, store: true });
  collect();
  const start = performance.now();
  let reply = await fetch(`${url}/v1/responses`, { method: "POST", headers, body });
  for (let after = perDrop - 1; ; after += perDrop) {
    const reader = reply.body!.getReader();
    try {
      while (!(await reader.read()).done);
      return performance.now() - start;
    } catch {
      const query = `stream=true&starting_after=${after}`;
      reply = await fetch(`${url}/v1/responses/resp_bench?${query}`, { headers });
    }
  }
}

/** Starts the servers (in the child): one streams whole, one drops every `everyMiB`; prints their URLs. */
async function serve(totalMiB: number, everyMiB: number): Promise<void> {
  const all = events(totalMiB * MiB);
  const perDrop = Math.floor(all.length / (totalMiB / everyMiB));
  // Each reply (the POST, then each GET) drops after `perDrop` events, but the one that ends it.
  const resumed = (request: { url: string }): MockReply => {
    const after = Number(new URL(request.url, "http://mock").searchParams.get("starting_after"));
    return after + perDrop < all.length - 1 ? { dropAfterEvents: perDrop } : {};
  };
  const whole = await startMockServer({ rateLimitHeaders: false, responses: { events: all } });
  const cut = await startMockServer({
    rateLimitHeaders: false,
    responses: { events: all, dropAfterEvents: perDrop },
    retrieve: resumed,
  });
  const text = DELTA.repeat(all.length - 3);
  const line = { whole: whole.url, cut: cut.url, textLength: text.length, perDrop };
  console.log(JSON.stringify(line));
}

/** The `q`-quantile of `xs` (0 ≤ q ≤ 1), interpolated between the two nearest values. */
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** The bench; `rounds` pairs of runs (whole, dropped), alternating which goes first. */
export async function resumeBench(rounds = 15, totalMiB = 20, everyMiB = 2): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, RESUME_BENCH_SERVER: `${totalMiB},${everyMiB}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once("line", resolve),
  );
  const urls = JSON.parse(line) as {
    whole: string;
    cut: string;
    textLength: number;
    perDrop: number;
  };
  const drops = Math.round(totalMiB / everyMiB);
  const times = { whole: [] as number[], cut: [] as number[] };
  const differences: number[] = []; // per round: dropped − whole (ms)
  const bare: number[] = []; // the same for the bare client
  const texts = { whole: "", cut: "" };
  const resumes: number[] = [];
  try {
    for (const url of [urls.whole, urls.cut, urls.whole, urls.cut]) await readOnce(url, drops); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const which of round % 2 ? (["cut", "whole"] as const) : (["whole", "cut"] as const)) {
        const run = await readOnce(urls[which], drops);
        times[which].push(run.ms);
        texts[which] = run.text;
        if (which === "cut") resumes.push(run.resumes);
      }
      differences.push(times.cut[round]! - times.whole[round]!);
      const [whole, cut] = [await readBare(urls.whole, 0), await readBare(urls.cut, urls.perDrop)];
      bare.push(cut - whole);
    }
  } finally {
    child.kill();
  }
  const identical = texts.whole === texts.cut && texts.cut.length === urls.textLength;
  const base = median(times.whole);
  const extra = quantile(differences, 0.5);
  const count = median(resumes);
  const perResume = (ms: number) => (ms / count).toFixed(1);
  const [q1, q3] = [quantile(differences, 0.25), quantile(differences, 0.75)];
  console.log(
    `resume: ${count} drops, text ${identical ? "identical" : "DIFFERENT"}, ` +
      `+${perResume(extra)} ms per resume (${((extra / base) * 100).toFixed(1)} % of stream time)` +
      ` [whole ${base.toFixed(0)} ms, dropped ${median(times.cut).toFixed(0)} ms (medians);` +
      ` dropped − whole per round: median ${extra.toFixed(1)} ms, interquartile ${q1.toFixed(1)}..${q3.toFixed(1)} ms` +
      ` (${perResume(q1)}..${perResume(q3)} ms per resume); ${rounds} rounds]`,
  );
  const floor = quantile(bare, 0.5);
  console.log(
    `resume floor: a bare fetch client that parses nothing pays +${perResume(floor)} ms per resume` +
      ` on the same servers (${((floor / base) * 100).toFixed(1)} % of this client's stream time)`,
  );
}

const serverArgs = process.env["RESUME_BENCH_SERVER"];
if (serverArgs) {
  const [total, every] = serverArgs.split(",").map(Number) as [number, number];
  await serve(total, every);
}
