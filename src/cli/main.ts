// The `codex-api` command as a function: `main(argv, io)` runs one command against the given streams
// and environment and resolves with its exit code (0 ok, 1 failure, 2 bad usage). See README "CLI".
import { constants } from "node:os";
import { CodexApiError, VERSION } from "../index.js";
import { parseFlags, USAGE, UsageError } from "./args.js";
import { COMMANDS } from "./commands.js";
import { closest } from "../validate/suggest.js";
import type { Scrubber } from "../transport/redact.js";
import { escapeControls, openContext, type CliIo, type Ctx } from "./context.js";

export type { CliIo } from "./context.js";

/** One line for stderr: the class, message, status, request id and attempts; secrets replaced. */
function describe(error: unknown, scrubber: Scrubber): string {
  let message: string;
  if (error instanceof CodexApiError) {
    const extra = [
      error.status !== undefined ? `status ${error.status}` : undefined,
      error.requestId !== undefined ? `request id ${error.requestId}` : undefined,
      error.attempts !== undefined ? `attempts ${error.attempts}` : undefined,
    ].filter(Boolean);
    message = `${error.name}: ${error.message}${extra.length ? ` (${extra.join(", ")})` : ""}`;
  } else message = error instanceof Error ? error.message : String(error);
  // Server text (a message, an id) reaches a terminal: its control characters are shown escaped.
  return scrubber.text(escapeControls(message.replace(/\s*\n\s*/g, " ")));
}

/** Reports `error` on stderr (with its stack when CODEX_API_DEBUG=1); returns the exit code. */
function fail(ctx: Ctx, error: unknown): number {
  ctx.err(`codex-api: ${describe(error, ctx.scrubber)}\n`);
  if (ctx.io.env["CODEX_API_DEBUG"] === "1" && error instanceof Error) {
    ctx.err(`${ctx.scrubber.text(error.stack ?? "")}\n`);
  }
  return error instanceof UsageError ? 2 : 1;
}

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") return (ctx.out(`${VERSION}\n`), 0);
  if (name === undefined) return (ctx.err(USAGE), 2);
  if (["--help", "-h", "help"].includes(name) || rest.includes("--help") || rest.includes("-h")) {
    return (ctx.out(USAGE), 0);
  }
  const command = COMMANDS[name];
  if (!command) {
    const near = closest(name, Object.keys(COMMANDS));
    const hint = near ? `; did you mean "${near}"?` : "";
    throw new UsageError(`unknown command "${name}"${hint} (see codex-api --help)`);
  }
  const { values, positionals } = parseFlags(name, rest, command.flags, command.positionals);
  return command.run(ctx, values, positionals);
}

/**
 * Runs `codex-api` with `argv` (the arguments after the program name) and resolves with the exit
 * code. It never rejects: errors are one line on `io.stderr`. A reader that goes away (EPIPE on
 * stdout, as in `codex-api responses hi | head -c1`) ends the command quietly with 0.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const { ctx, stdoutFailure, release } = openContext(io);
  try {
    let code: number | undefined;
    let error: unknown;
    try {
      code = await run(ctx, argv);
    } catch (thrown) {
      error = thrown;
    }
    const broken = await stdoutFailure();
    if (broken)
      return broken.code === "EPIPE" ? 0 : fail(ctx, new Error(`stdout: ${broken.message}`));
    if (code !== undefined) return code;
    const reason: unknown = io.signal?.reason;
    if (io.signal?.aborted && typeof reason === "string" && reason in constants.signals) {
      return 128 + constants.signals[reason as NodeJS.Signals];
    }
    return fail(ctx, error);
  } finally {
    await release();
  }
}
