// `npm run bench -- websocket`: a 30-turn conversation (a ~50 KB history that grows by one user item
// and the model's output each turn) over HTTP and over codex-api/websocket, against one loopback mock
// server in a child process. Reports the request bytes each transport sent (request bodies and
// `response.create` frames, before any compression; the handshake is not counted) and the ratio of
// the median per-turn time to first event (socket / HTTP); then the first turn of a fresh socket,
// with and without `preconnect()` first. Reports; asserts nothing.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, type ResponseItem, type ResponseStream } from "../src/index.js";
import { startMockServer } from "../src/testing/index.js";
import { connectResponses } from "../src/websocket/index.js";

const TURNS = 30;
const ROUNDS = Number(process.env["ROUNDS"] ?? "3");
const HISTORY_BYTES = 50_000;

const message = (role: "user" | "assistant", text: string): ResponseItem =>
  role === "user"
    ? { type: "message", role, content: [{ type: "input_text", text }] }
    : { type: "message", role, content: [{ type: "output_text", text, annotations: [] }] };

/** ~50 KB of earlier conversation: alternating user and assistant messages of ~1 KB. */
function startingHistory(): ResponseItem[] {
  const items: ResponseItem[] = [];
  for (let i = 0; JSON.stringify(items).length < HISTORY_BYTES; i++) {
    const text = `${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(22)}`;
    items.push(message(i % 2 ? "assistant" : "user", text));
  }
  return items;
}

interface Run {
  /** Milliseconds from `stream()` to the first event, per turn. */
  firstEvent: number[];
}

/** One conversation: each turn appends a user item, streams, and appends the output items. */
async function converse(send: (input: ResponseItem[]) => Promise<ResponseStream>): Promise<Run> {
  const history = startingHistory();
  const firstEvent: number[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    history.push(message("user", `turn ${turn}: run the tests and tell me what failed`));
    const started = performance.now();
    const stream = await send(history);
    const events = stream[Symbol.asyncIterator]();
    await events.next();
    firstEvent.push(performance.now() - started);
    for (let r = await events.next(); !r.done; r = await events.next()) {
      if (r.value.type === "outputItemDone") history.push(r.value.item);
    }
  }
  return { firstEvent };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the bench against a mock server in a child process; prints the one line. */
export async function websocketBench(): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_WS_SERVER: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const url = (await lines.next()).value as string;
  /** Asks the server for the bytes received so far (HTTP bodies, socket frames). */
  const bytes = async () => {
    child.stdin!.write("bytes\n");
    return JSON.parse((await lines.next()).value as string) as { http: number; ws: number };
  };
  const client = createClient({ provider: { baseUrl: `${url}/v1` }, auth: "bench-token" });
  const model = { model: "bench", instructions: "You are a coding agent." };
  const overHttp = () => converse((input) => client.responses.stream({ ...model, input }));
  const overSocket = async () => {
    const socket = connectResponses(client);
    try {
      return await converse((input) => socket.stream({ ...model, input }));
    } finally {
      await socket.close();
    }
  };
  await overHttp(); // warm-up, both ways
  await overSocket();
  const start = await bytes();
  const http: number[] = [];
  const ws: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer process.
    const order = round % 2 ? [overSocket, overHttp] : [overHttp, overSocket];
    for (const run of order) (run === overHttp ? http : ws).push(...(await run()).firstEvent);
  }
  const end = await bytes();
  const [cold, warm] = await firstTurns(client, model);
  child.kill();
  const sentHttp = (end.http - start.http) / ROUNDS;
  const sentWs = (end.ws - start.ws) / ROUNDS;
  const ratio = median(ws) / median(http);
  console.log(
    `websocket: ${TURNS} turns, sent ${Math.round(sentWs)} bytes vs HTTP ${Math.round(sentHttp)} bytes ` +
      `(${(sentHttp / sentWs).toFixed(1)}× fewer), first-event time ratio ${ratio.toFixed(2)} (ws/http)`,
  );
  console.log(
    `websocket: first turn's first event ${warm.toFixed(2)} ms after preconnect() vs ` +
      `${cold.toFixed(2)} ms without (median of ${FIRST_TURNS} fresh sockets each)`,
  );
}

const FIRST_TURNS = 20;

/** Median time from `stream()` to the first event of a fresh socket's first turn: [without, after preconnect()]. */
async function firstTurns(
  client: ReturnType<typeof createClient>,
  model: { model: string; instructions: string },
): Promise<[number, number]> {
  const input = startingHistory();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < FIRST_TURNS * 2; i++) {
    const pre = i % 2 === 1;
    const socket = connectResponses(client);
    try {
      if (pre) await socket.preconnect();
      const started = performance.now();
      const stream = await socket.stream({ ...model, input });
      const events = stream[Symbol.asyncIterator]();
      await events.next();
      times[pre ? 1 : 0].push(performance.now() - started);
      while (!(await events.next()).done);
    } finally {
      await socket.close();
    }
  }
  return [median(times[0]), median(times[1])];
}

/** The child: a mock server; prints its URL, then answers "bytes" on stdin with the byte counts. */
async function serve(): Promise<void> {
  const mock = await startMockServer({ rateLimitHeaders: false });
  console.log(mock.url);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for await (const _ of createInterface({ input: process.stdin })) {
    const http = sum(mock.requests.map((r) => Buffer.byteLength(r.rawBody)));
    const ws = sum(mock.frames.map((f) => f.bytes));
    // The records are only needed as sums: drop them so memory stays flat.
    mock.requests.length = 0;
    mock.frames.length = 0;
    totals.http += http;
    totals.ws += ws;
    console.log(JSON.stringify(totals));
  }
}
const totals = { http: 0, ws: 0 };

if (process.env["BENCH_WS_SERVER"]) await serve();
