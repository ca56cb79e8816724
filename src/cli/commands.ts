// The commands of `codex-api` by name: their flags, whether they take positional arguments, and what
// they run. Each returns its exit code and throws UsageError (exit 2) or any other error (exit 1).
import type { RawMemory, ResponseItem } from "../generated/openapi.js";
import { startMockServer, type MockScript } from "../testing/index.js";
import { checkFixtureFiles } from "../validate/fixtures.js";
import { schemaNames, validate as check, type SchemaName } from "../validate/index.js";
import { DEFAULT_MODEL, str, UsageError, wholeNumber, type Flags, type Values } from "./args.js";
import { readJson, withClient, type Ctx } from "./context.js";
import { responses, resume } from "./responses.js";
import { cancel, countTokens, inputItems, remove, retrieve } from "./stored.js";

/** One command: its flags, whether it takes positional arguments, and its body. */
export interface Command {
  flags: Flags;
  positionals: boolean;
  run(ctx: Ctx, v: Values, args: string[]): Promise<number>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

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

/**
 * Checks each element of `list` (from `file`, under `where`) against `schemaName` before anything is
 * sent; throws naming the first few problems (warnings included: a `type` typo is refused here).
 */
function checkList(file: string, where: string, list: unknown[], schemaName: SchemaName): void {
  const problems: string[] = [];
  list.forEach((value, i) => {
    const result = check(schemaName, value);
    const issues = result.ok ? (result.warnings ?? []) : result.errors;
    for (const e of issues) problems.push(`${where}/${i}${e.path} ${e.message}`);
  });
  if (problems.length === 0) return;
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
  throw new Error(
    `${file}: not a list of ${schemaName} values: ${problems.slice(0, 3).join("; ")}${more}`,
  );
}

const printJson = (ctx: Ctx, value: unknown) => ctx.out(`${JSON.stringify(value, null, 2)}\n`);

async function compact(ctx: Ctx, v: Values): Promise<number> {
  const { file, data, spec, model } = await inputFile(v, "compact");
  const input = Array.isArray(data) ? data : spec["input"];
  if (!Array.isArray(input)) {
    throw new Error(
      `${file}: expected an array of ResponseItems or an object with an "input" array`,
    );
  }
  checkList(file, Array.isArray(data) ? "" : "/input", input, "ResponseItem");
  const instructions =
    str(v, "instructions") ??
    (typeof spec["instructions"] === "string" ? spec["instructions"] : "");
  const items = await withClient(ctx, v, (client) =>
    client.compact.compactInput(
      { model, input: input as ResponseItem[], instructions },
      { signal: ctx.signal },
    ),
  );
  printJson(ctx, items);
  return 0;
}

async function memories(ctx: Ctx, v: Values): Promise<number> {
  const { file, data, spec, model } = await inputFile(v, "memories");
  const raw = Array.isArray(data) ? data : (spec["rawMemories"] ?? spec["traces"]);
  if (!Array.isArray(raw)) {
    throw new Error(
      `${file}: expected an array of raw memories or an object with "rawMemories" or "traces"`,
    );
  }
  const where = Array.isArray(data) ? "" : spec["rawMemories"] ? "/rawMemories" : "/traces";
  checkList(file, where, raw, "RawMemory");
  const summaries = await withClient(ctx, v, (client) =>
    client.memories.summarizeInput(
      { model, rawMemories: raw as RawMemory[] },
      { signal: ctx.signal },
    ),
  );
  printJson(ctx, summaries);
  return 0;
}

const SLUG_COLUMN = 40;

async function models(ctx: Ctx, v: Values): Promise<number> {
  const clientVersion = str(v, "client-version");
  const list = await withClient(ctx, v, (client) =>
    client.models.list({ signal: ctx.signal, ...(clientVersion ? { clientVersion } : {}) }),
  );
  if (v["json"] === true) return (printJson(ctx, list), 0);
  // Aligned up to SLUG_COLUMN: one long slug must not pad every other line (a 288 KB reply once
  // printed 52 MB); a longer slug just pushes its own line's name to the right.
  const width = list.models.reduce((w, m) => Math.max(w, Math.min(m.slug.length, SLUG_COLUMN)), 0);
  for (const m of list.models) {
    const hidden = m.visibility !== undefined && m.visibility !== "list" ? " (hidden)" : "";
    ctx.out(`${m.slug.padEnd(width)}  ${m.display_name ?? ""}${hidden}`.trimEnd() + "\n");
  }
  ctx.err(`${list.models.length} models, etag ${list.etag ?? "(none)"}\n`);
  return 0;
}

async function validate(ctx: Ctx, v: Values, files: string[]): Promise<number> {
  const schema = str(v, "schema");
  if (schema !== undefined && !(schemaNames() as string[]).includes(schema)) {
    throw new UsageError(
      `--schema: unknown schema "${schema}"; known: ${schemaNames().join(", ")}`,
    );
  }
  if (files.length === 0) throw new UsageError("validate: no files given");
  const failed = await checkFixtureFiles(files, schema as SchemaName | undefined, (line) =>
    ctx.out(`${line}\n`),
  );
  return failed > 0 ? 1 : 0;
}

async function mock(ctx: Ctx, v: Values): Promise<number> {
  const port = wholeNumber(v, "port", 0, 65535);
  const scriptFile = str(v, "script");
  const script = scriptFile === undefined ? {} : await readJson(scriptFile);
  if (!isRecord(script)) throw new Error(`${scriptFile}: expected a JSON object (a MockScript)`);
  const server = await startMockServer(script as MockScript, port === undefined ? {} : { port });
  ctx.out(`mock server listening on ${server.url}\n`);
  const { signal } = ctx;
  await new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener("abort", resolve, { once: true });
  });
  await server.close();
  // The bin aborts with the signal's name; a failed stdout aborts with its error.
  ctx.err(`mock server closed${typeof signal.reason === "string" ? ` (${signal.reason})` : ""}\n`);
  return 0;
}

const S = { type: "string" } as const;
const SERVER: Flags = { "base-url": S, "api-key": S, "max-attempts": S };
const NET: Flags = { ...SERVER, model: S };

/** Every command by name. */
export const COMMANDS: Record<string, Command> = {
  responses: {
    flags: {
      ...NET,
      instructions: S,
      reasoning: S,
      json: { type: "boolean" },
      background: { type: "boolean" },
    },
    positionals: true,
    run: responses,
  },
  resume: {
    flags: { ...SERVER, "starting-after": S, json: { type: "boolean" } },
    positionals: true,
    run: resume,
  },
  compact: { flags: { ...NET, input: S, instructions: S }, positionals: false, run: compact },
  memories: { flags: { ...NET, input: S }, positionals: false, run: memories },
  models: {
    flags: { ...SERVER, "client-version": S, json: { type: "boolean" } },
    positionals: false,
    run: models,
  },
  retrieve: { flags: SERVER, positionals: true, run: retrieve },
  cancel: { flags: SERVER, positionals: true, run: cancel },
  delete: { flags: SERVER, positionals: true, run: remove },
  "input-items": { flags: SERVER, positionals: true, run: inputItems },
  "count-tokens": {
    flags: { ...NET, instructions: S, reasoning: S, json: { type: "boolean" } },
    positionals: true,
    run: countTokens,
  },
  validate: { flags: { schema: S }, positionals: true, run: validate },
  mock: { flags: { port: S, script: S }, positionals: false, run: mock },
};
