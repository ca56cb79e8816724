#!/usr/bin/env node
// The `codex-api` command: responses / compact / memories against a server (or the embedded mock),
// fixture validation, and a standalone mock server. Exit 0 ok, 1 failure, 2 bad usage.
import { readFile } from "node:fs/promises";
import { text as readAll } from "node:stream/consumers";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { RawMemory, ResponseItem } from "../generated/openapi.js";
import {
  CodexApiError,
  createClient,
  VERSION,
  type CodexClient,
  type RateLimitSnapshot,
  type TokenUsage,
} from "../index.js";
import { checkFixtureFiles } from "../validate/fixtures.js";
import { startMockServer, type MockScript } from "../testing/index.js";
import { schemaNames, type SchemaName } from "../validate/index.js";

const DEFAULT_MODEL = "gpt-5.1-codex";
const USAGE = `usage: codex-api <command> [options]

commands:
  responses [--instructions S] [--reasoning low|medium|high] [--json] [PROMPT…]
      stream a reply; the prompt comes from the arguments, else from stdin
  compact --input FILE [--instructions S]
      FILE: a JSON array of ResponseItems, or {model?, input, instructions?}
  memories --input FILE
      FILE: a JSON array of raw memories, or {model?, rawMemories | traces}
  validate [--schema NAME] FILES…
      check fixture files against the schemas
  mock [--port N] [--script FILE]
      run the mock server until SIGINT/SIGTERM (script: a MockScript JSON file)
  help, --help, --version

options of responses, compact and memories:
  --base-url URL      server base URL (else $CODEX_BASE_URL, else the embedded mock server)
  --api-key KEY       bearer token (else $CODEX_API_KEY, else $OPENAI_API_KEY)
  --model M           model (default ${DEFAULT_MODEL})
  --max-attempts N    sends per request, retries included (default 5)

CODEX_API_DEBUG=1 prints stack traces on errors.
`;

/** Bad usage: exit 2. */
class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | undefined>;
const str = (v: Values, k: string): string | undefined =>
  typeof v[k] === "string" ? (v[k] as string) : undefined;

const S = { type: "string" } as const;
const NET: Options = { "base-url": S, "api-key": S, model: S, "max-attempts": S };
type Run = (v: Values, args: string[]) => Promise<number>;
/** Per command: its flags, whether it takes positional arguments, and what it does. */
const COMMANDS: Record<string, [Options, boolean, Run]> = {
  responses: [
    { ...NET, instructions: S, reasoning: S, json: { type: "boolean" } },
    true,
    responses,
  ],
  compact: [{ ...NET, input: S, instructions: S }, false, compact],
  memories: [{ ...NET, input: S }, false, memories],
  validate: [{ schema: S }, true, validateCmd],
  mock: [{ port: S, script: S }, false, mock],
};
/** The API key in use, kept out of every error message. */
let secret: string | undefined;

function positiveInt(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`--${flag} must be a whole number >= ${min}, got "${value}"`);
  }
  return Number(value);
}

async function readJson(file: string): Promise<unknown> {
  const source = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Runs `fn` with a client for --base-url / $CODEX_BASE_URL, or for an embedded mock server. */
async function withClient<T>(v: Values, fn: (client: CodexClient) => Promise<T>): Promise<T> {
  const maxAttempts = positiveInt(str(v, "max-attempts"), "max-attempts", 1);
  let baseUrl = str(v, "base-url") ?? process.env["CODEX_BASE_URL"];
  const apiKey = (secret =
    str(v, "api-key") ?? process.env["CODEX_API_KEY"] ?? process.env["OPENAI_API_KEY"]);
  const mockServer = baseUrl ? undefined : await startMockServer();
  if (mockServer) {
    baseUrl = mockServer.url;
    process.stderr.write(
      `no --base-url or CODEX_BASE_URL: using the embedded mock server at ${baseUrl}\n`,
    );
  }
  try {
    const client = createClient({
      provider: { baseUrl: baseUrl!, ...(maxAttempts ? { retry: { maxAttempts } } : {}) },
      ...(apiKey ? { auth: apiKey } : {}),
    });
    return await fn(client);
  } finally {
    await mockServer?.close();
  }
}

const windowText = (name: string, w: RateLimitSnapshot["primary"]): string | undefined =>
  w && `${name} ${w.usedPercent}%${w.windowMinutes ? ` of ${w.windowMinutes} min` : ""}`;

function rateLimitLine(s: RateLimitSnapshot): string | undefined {
  const families = [
    ["", s] as const,
    ...Object.entries(s.limits ?? {}).map(([n, f]) => [`${n} `, f] as const),
  ];
  const shown = families
    .flatMap(([n, f]) => [
      windowText(`${n}primary`, f.primary),
      windowText(`${n}secondary`, f.secondary),
    ])
    .filter((p): p is string => p !== undefined);
  return shown.length > 0 ? `rate limits: ${shown.join(", ")}` : undefined;
}

function usageLine(u: TokenUsage): string {
  return (
    `tokens: input ${u.inputTokens} (cached ${u.cachedInputTokens}), ` +
    `output ${u.outputTokens} (reasoning ${u.reasoningOutputTokens}), total ${u.totalTokens}`
  );
}

async function responses(v: Values, args: string[]): Promise<number> {
  const effort = str(v, "reasoning");
  if (effort !== undefined && !["low", "medium", "high"].includes(effort)) {
    throw new UsageError(`--reasoning must be low, medium or high, got "${effort}"`);
  }
  let prompt = args.join(" ");
  if (args.length === 0 && !process.stdin.isTTY)
    prompt = (await readAll(process.stdin)).replace(/\r?\n$/, "");
  if (!prompt.trim())
    throw new UsageError("responses: no prompt (pass it as arguments or on stdin)");
  const message = {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: prompt }],
  };
  const json = v["json"] === true;
  const tty = process.stdout.isTTY === true;
  await withClient(v, async (client) => {
    const stream = await client.responses.stream({
      model: str(v, "model") ?? DEFAULT_MODEL,
      input: [message as ResponseItem],
      ...(str(v, "instructions") !== undefined ? { instructions: str(v, "instructions")! } : {}),
      ...(effort ? { reasoning: { effort: effort as "low", summary: "auto" } } : {}),
    });
    let usage: TokenUsage | undefined;
    let limits: RateLimitSnapshot | undefined;
    let inReasoning = false;
    for await (const event of stream) {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
      else if (event.type === "reasoningSummaryDelta") {
        if (tty) process.stdout.write(`\x1b[2m${event.delta}\x1b[22m`);
        else process.stderr.write(event.delta);
        inReasoning = true;
      } else if (event.type === "outputTextDelta") {
        if (inReasoning) (tty ? process.stdout : process.stderr).write("\n\n");
        inReasoning = false;
        process.stdout.write(event.delta);
      } else if (event.type === "rateLimits") limits = event.snapshot;
      else if (event.type === "completed") usage = event.tokenUsage;
    }
    if (json) return;
    process.stdout.write("\n");
    if (usage) process.stderr.write(`${usageLine(usage)}\n`);
    const line = limits && rateLimitLine(limits);
    if (line) process.stderr.write(`${line}\n`);
  });
  return 0;
}

/** The `--input` file of compact / memories, read as JSON, and `model` from the flag, file or default. */
async function inputFile(v: Values, command: string) {
  const file = str(v, "input");
  if (file === undefined) throw new UsageError(`${command}: --input FILE is required`);
  const data = await readJson(file);
  const spec = isRecord(data) ? data : {};
  const model =
    str(v, "model") ?? (typeof spec["model"] === "string" ? spec["model"] : DEFAULT_MODEL);
  return { file, data, spec, model };
}

async function compact(v: Values, args: string[]): Promise<number> {
  const { file, data, spec, model } = await inputFile(v, "compact");
  const input = Array.isArray(data) ? data : spec["input"];
  if (!Array.isArray(input)) {
    throw new Error(
      `${file}: expected an array of ResponseItems or an object with an "input" array`,
    );
  }
  const instructions =
    str(v, "instructions") ??
    (typeof spec["instructions"] === "string" ? spec["instructions"] : "");
  const items = await withClient(v, (client) =>
    client.compact.compactInput({ model, input: input as ResponseItem[], instructions }),
  );
  process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  return 0;
}

async function memories(v: Values, args: string[]): Promise<number> {
  const { file, data, spec, model } = await inputFile(v, "memories");
  const raw = Array.isArray(data) ? data : (spec["rawMemories"] ?? spec["traces"]);
  if (!Array.isArray(raw)) {
    throw new Error(
      `${file}: expected an array of raw memories or an object with "rawMemories" or "traces"`,
    );
  }
  const summaries = await withClient(v, (client) =>
    client.memories.summarizeInput({ model, rawMemories: raw as RawMemory[] }),
  );
  process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
  return 0;
}

async function validateCmd(v: Values, files: string[]): Promise<number> {
  const schema = str(v, "schema");
  if (schema !== undefined && !(schemaNames() as string[]).includes(schema)) {
    throw new UsageError(
      `--schema: unknown schema "${schema}"; known: ${schemaNames().join(", ")}`,
    );
  }
  if (files.length === 0) throw new UsageError("validate: no files given");
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const failed = await checkFixtureFiles(files, schema as SchemaName | undefined, print);
  return failed > 0 ? 1 : 0;
}

async function mock(v: Values, args: string[]): Promise<number> {
  const port = positiveInt(str(v, "port"), "port", 0);
  const scriptFile = str(v, "script");
  const script = scriptFile === undefined ? {} : await readJson(scriptFile);
  if (!isRecord(script)) throw new Error(`${scriptFile}: expected a JSON object (a MockScript)`);
  const server = await startMockServer(script as MockScript, port === undefined ? {} : { port });
  process.stdout.write(`mock server listening on ${server.url}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await server.close();
  process.stderr.write(`mock server closed (${signal})\n`);
  return 0;
}

function describe(error: unknown): string {
  let message: string;
  if (error instanceof CodexApiError) {
    const extra = [
      error.status !== undefined ? `status ${error.status}` : undefined,
      error.requestId !== undefined ? `request id ${error.requestId}` : undefined,
      error.attempts !== undefined ? `attempts ${error.attempts}` : undefined,
    ].filter(Boolean);
    message = `${error.name}: ${error.message}${extra.length ? ` (${extra.join(", ")})` : ""}`;
  } else message = error instanceof Error ? error.message : String(error);
  message = message.replace(/\s*\n\s*/g, " ");
  return secret ? message.split(secret).join("[redacted]") : message;
}

function print(text: string, code = 0, to: NodeJS.WriteStream = process.stdout): number {
  to.write(text);
  return code;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") return print(`${VERSION}\n`);
  if (name === undefined) return print(USAGE, 2, process.stderr);
  if (["--help", "-h", "help"].includes(name) || rest.includes("--help") || rest.includes("-h")) {
    return print(USAGE);
  }
  const [options, takesArgs, run] = COMMANDS[name] ?? [];
  if (!options || !run) throw new UsageError(`unknown command "${name}" (see codex-api --help)`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
  if (!takesArgs && parsed.positionals.length > 0) {
    throw new UsageError(`${name}: unexpected argument "${parsed.positionals[0]}"`);
  }
  return run(parsed.values as Values, parsed.positionals);
}

// A reader that went away (`codex-api responses … | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`codex-api: ${describe(error)}\n`);
  if (process.env["CODEX_API_DEBUG"] === "1" && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ""}\n`);
  }
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
