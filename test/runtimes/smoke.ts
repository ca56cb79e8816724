// The one smoke test of the packed package, run unchanged in every runtime of `npm run
// test:runtimes` (scripts/test-runtimes.ts). Its launcher hands it the library, as the runtime
// loaded it, and the URLs of the mock servers; it stops at the first check that fails.
import type * as CodexApi from "../../src/index.js";

/** The library as a launcher imported it (`import * as api from "codex-api"`). */
export type Api = typeof CodexApi;

/** Mock servers started by the driver, one per scripted behaviour (each reply repeats). */
export interface SmokeUrls {
  /** Canned replies on every endpoint. */
  ok: string;
  /** HTTP 500 on every endpoint. */
  serverError: string;
  /** `response.created`, then `response.failed` with `context_length_exceeded`. */
  failed: string;
  /** Three events, then nothing: the stream stays open. */
  stall: string;
  /** Three events 20 ms apart, then a dropped connection (a background request resumes). */
  dropped: string;
}

/** What a launcher prints (as JSON) for the driver. */
export interface SmokeResult {
  ok: boolean;
  /** The runtime's own version, where it tells one. */
  version: string;
  why?: string;
}

const request: CodexApi.ResponsesRequest = {
  model: "smoke-model",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "ping" }] }],
};

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

function describe(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown };
  return `${String(e?.name)}: ${String(e?.message ?? error)}`;
}

/** Runs `act`, which must throw an instance of `Class` whose `name` is `name`. */
async function expectError(
  what: string,
  act: () => Promise<unknown>,
  Class: abstract new (...args: never[]) => Error,
  name: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await act();
  } catch (error) {
    caught = error;
  }
  check(caught !== undefined, `${what}: nothing was thrown`);
  check(caught instanceof Class, `${what}: expected instanceof ${name}, got ${describe(caught)}`);
  check(caught.name === name, `${what}: expected name "${name}", got "${caught.name}"`);
  return caught;
}

const clientFor = (api: Api, url: string) =>
  api.createClient({
    provider: { baseUrl: `${url}/v1`, retry: { maxAttempts: 1 } },
    auth: "sk-smoke",
  });

async function streamsEvents(api: Api, urls: SmokeUrls): Promise<void> {
  const stream = await clientFor(api, urls.ok).responses.stream(request);
  check(stream.requestId?.startsWith("req_"), `stream.requestId unreadable: ${stream.requestId}`);
  const types: string[] = [];
  let text = "";
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "outputTextDelta") text += event.delta;
  }
  const expected = [
    "rateLimits",
    "created",
    "outputItemAdded",
    "outputTextDelta",
    "outputItemDone",
  ];
  for (const type of expected) check(types.includes(type), `no ${type} event in ${types}`);
  check(types[0] === "rateLimits", `the first event is ${types[0]}, not rateLimits`);
  check(types.at(-1) === "completed", `the last event is ${types.at(-1)}, not completed`);
  check(text === "Echo: ping", `streamed text ${JSON.stringify(text)}`);
}

async function collects(api: Api, urls: SmokeUrls): Promise<void> {
  const stream = await clientFor(api, urls.ok).responses.stream(request);
  const { text, tokenUsage, rateLimits } = await stream.collect();
  check(text === "Echo: ping", `collect() text ${JSON.stringify(text)}`);
  const usage = tokenUsage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  check(
    usage.inputTokens > 0 &&
      usage.outputTokens === 2 &&
      usage.totalTokens === usage.inputTokens + usage.outputTokens,
    `collect() tokenUsage ${JSON.stringify(tokenUsage)}`,
  );
  check(rateLimits?.primary?.usedPercent === 12.5, `rate limits ${JSON.stringify(rateLimits)}`);
}

async function compactsAndSummarizes(api: Api, urls: SmokeUrls): Promise<void> {
  const client = clientFor(api, urls.ok);
  const compacted = await client.compact.compactInput({
    model: "smoke-model",
    input: request.input,
    instructions: "Compact.",
  });
  check(compacted.at(-1)?.type === "compaction", `compact: ${JSON.stringify(compacted)}`);
  const summaries = await client.memories.summarizeInput({
    model: "smoke-model",
    rawMemories: [{ id: "t1", metadata: { source_path: "/smoke.jsonl" }, items: [] }],
  });
  check(summaries[0]?.memorySummary === "Remember t1.", `memories: ${JSON.stringify(summaries)}`);
}

async function typedErrors(api: Api, urls: SmokeUrls): Promise<void> {
  const error = await expectError(
    "HTTP 500",
    () => clientFor(api, urls.serverError).responses.stream(request),
    api.ServerError,
    "ServerError",
  );
  check(error instanceof api.CodexApiError, "ServerError is not a CodexApiError");
  check((error as CodexApi.ServerError).status === 500, "ServerError.status is not 500");
  await expectError(
    "response.failed",
    async () => (await clientFor(api, urls.failed).responses.stream(request)).collect(),
    api.ContextWindowExceededError,
    "ContextWindowExceededError",
  );
}

async function abortsMidStream(api: Api, urls: SmokeUrls): Promise<void> {
  const controller = new AbortController();
  const stream = await clientFor(api, urls.stall).responses.stream(request, {
    signal: controller.signal,
  });
  await expectError(
    "abort mid-stream",
    async () => {
      for await (const event of stream) {
        if (event.type === "created") setTimeout(() => controller.abort(), 20);
      }
    },
    api.AbortError,
    "AbortError",
  );
}

/** A background stream with a caller's signal resumes after a drop (no AbortSignal.any needed). */
async function resumesAfterADrop(api: Api, urls: SmokeUrls): Promise<void> {
  const background = { ...request, background: true, store: true };
  const { signal } = new AbortController();
  const stream = await clientFor(api, urls.dropped).responses.stream(background, { signal });
  const { text } = await stream.collect();
  check(text === "Echo: ping", `resumed text ${JSON.stringify(text)}`);
  check(stream.lastSequenceNumber !== undefined, "a resumed stream has no lastSequenceNumber");
}

/** gzip where the runtime has `CompressionStream`; elsewhere a typed error, never a ReferenceError. */
async function compresses(api: Api, urls: SmokeUrls): Promise<void> {
  const send = async () =>
    (await clientFor(api, urls.ok).responses.stream(request, { compression: "gzip" })).collect();
  if (typeof CompressionStream === "function") {
    const { text } = await send();
    check(text === "Echo: ping", `gzip: text ${JSON.stringify(text)}`);
    return;
  }
  await expectError(
    "gzip without CompressionStream",
    send,
    api.CodexApiError,
    "InvalidRequestError",
  );
}

function runtimeVersion(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string } };
    Bun?: { version: string };
    process?: { versions?: { node?: string } };
    navigator?: { userAgent?: string };
  };
  if (g.Deno) return g.Deno.version.deno;
  if (g.Bun) return g.Bun.version;
  if (g.process?.versions?.node) return g.process.versions.node;
  return g.navigator?.userAgent ?? "";
}

const steps = [
  streamsEvents,
  collects,
  compactsAndSummarizes,
  typedErrors,
  abortsMidStream,
  resumesAfterADrop,
  compresses,
];

/** Runs every check, stopping at the first failure; never throws. */
export async function runSmoke(api: Api, urls: SmokeUrls): Promise<SmokeResult> {
  const version = runtimeVersion();
  try {
    for (const step of steps) await step(api, urls);
    return { ok: true, version };
  } catch (error) {
    return { ok: false, version, why: describe(error) };
  }
}
