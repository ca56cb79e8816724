// `codex-api responses`: streams one reply. Text goes to stdout as it arrives; reasoning is dimmed on a
// TTY and sent to stderr otherwise; token usage and rate limits follow on stderr (or `--json` events).
import { text as readAll } from "node:stream/consumers";
import type { ResponseItem } from "../generated/openapi.js";
import {
  AbortError,
  CodexApiError,
  InvalidResponseError,
  StreamError,
  type RateLimitSnapshot,
  type ResponseStream,
  type ResponsesRequest,
  type TokenUsage,
} from "../index.js";
import { DEFAULT_MODEL, str, UsageError, wholeNumber, type Values } from "./args.js";
import { shellWord, withClient, withoutBom, type Ctx } from "./context.js";

const EFFORTS = ["low", "medium", "high"] as const;

const windowText = (name: string, w: RateLimitSnapshot["primary"]): string | undefined =>
  w && `${name} ${w.usedPercent}%${w.windowMinutes ? ` of ${w.windowMinutes} min` : ""}`;

/** `rate limits: primary 12.5% of 300 min, …`, or undefined when the snapshot has no window. */
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

/** `tokens: input N (cached N), output N (reasoning N), total N`. */
function usageLine(u: TokenUsage): string {
  return (
    `tokens: input ${u.inputTokens} (cached ${u.cachedInputTokens}), ` +
    `output ${u.outputTokens} (reasoning ${u.reasoningOutputTokens}), total ${u.totalTokens}`
  );
}

/** The prompt from the arguments, else from stdin (when it is not a TTY). */
async function promptOf(ctx: Ctx, args: string[]): Promise<string> {
  const { stdin } = ctx.io;
  let prompt = args.join(" ");
  if (args.length === 0 && stdin && !stdin.isTTY) {
    prompt = withoutBom(await readAll(stdin)).replace(/\r?\n$/, "");
  }
  if (!prompt.trim()) {
    throw new UsageError("responses: no prompt (pass it as arguments or on stdin)");
  }
  return prompt;
}

/** The request of `responses` and `count-tokens`: the prompt, `--model`, `--instructions`, `--reasoning`. */
export async function requestFrom(ctx: Ctx, v: Values, args: string[]): Promise<ResponsesRequest> {
  const effort = str(v, "reasoning");
  if (effort !== undefined && !(EFFORTS as readonly string[]).includes(effort)) {
    throw new UsageError(`--reasoning must be low, medium or high, got "${effort}"`);
  }
  const prompt = await promptOf(ctx, args);
  const message = {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: prompt }],
  };
  const instructions = str(v, "instructions");
  return {
    model: str(v, "model") ?? DEFAULT_MODEL,
    input: [message as ResponseItem],
    ...(instructions !== undefined ? { instructions } : {}),
    ...(effort ? { reasoning: { effort: effort as "low", summary: "auto" } } : {}),
  };
}

/** Runs `codex-api responses` (`--background`: a stored response, resumed if the stream drops). */
export async function responses(ctx: Ctx, v: Values, args: string[]): Promise<number> {
  const request = await requestFrom(ctx, v, args);
  const background = v["background"] === true ? { background: true, store: true } : {};
  await withClient(ctx, v, async (client) => {
    const stream = await client.responses.stream(
      { ...request, ...background },
      { signal: ctx.signal },
    );
    await (v["background"] === true ? printStored(ctx, v, stream) : print(ctx, v, stream));
  });
  return 0;
}

/** Runs `codex-api resume ID [--starting-after N]`: a stored response's stream, from after N. */
export async function resume(ctx: Ctx, v: Values, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError("resume: expected one response ID");
  const startingAfter = wholeNumber(v, "starting-after", 0);
  await withClient(ctx, v, async (client) => {
    const options = startingAfter === undefined ? {} : { startingAfter };
    const stream = await client.responses.resume(args[0]!, { ...options, signal: ctx.signal });
    await printStored(ctx, v, stream);
  });
  return 0;
}

/**
 * Prints a stored response's stream (`--background`, `resume`); when it fails where its id is
 * known (a resume refused, resumes used up), stderr says how to continue, so nothing is lost.
 */
async function printStored(ctx: Ctx, v: Values, stream: ResponseStream): Promise<void> {
  try {
    await print(ctx, v, stream);
  } catch (error) {
    if (error instanceof CodexApiError && !(error instanceof AbortError) && error.responseId) {
      if (!resumable(error)) throw error;
      const n = error.lastSequenceNumber;
      const after = n === undefined ? "" : ` --starting-after ${n}`;
      const where = n === undefined ? "before its first event" : `after event ${n}`;
      const id = shellWord(error.responseId);
      // An id that echoed a secret was scrubbed (README "Errors"): no command can name it.
      if (error.responseId.includes("[redacted]")) {
        ctx.err(`stopped ${where} of ${id}: its id carries a secret, shown [redacted]\n`);
        throw error;
      }
      // An id spelled like an option (`--base-url=…`) is read as the id only after `--`.
      const command = error.responseId.startsWith("-")
        ? `resume${after} -- ${id}`
        : `resume ${id}${after}`;
      ctx.err(`stopped ${where} of ${id}; to continue: codex-api ${command}\n`);
    }
    throw error;
  }
}

/**
 * Whether resuming may get further: a drop, a refused or failed GET, a stream error of the resume
 * itself; not a failure the server reported as the response's own (a `response.failed` such as
 * context_length_exceeded, an incomplete response), which a resume would only repeat.
 */
function resumable(error: CodexApiError): boolean {
  return (
    error.retryable ||
    (error.status ?? 0) >= 400 ||
    error instanceof StreamError ||
    error instanceof InvalidResponseError
  );
}

/** Prints a stream: text to stdout as it arrives, reasoning aside, usage and limits on stderr. */
async function print(ctx: Ctx, v: Values, stream: ResponseStream): Promise<void> {
  const json = v["json"] === true;
  const tty = ctx.io.stdout.isTTY === true;
  // Reasoning shares stdout only on a terminal, where it can be dimmed.
  const aside = tty ? ctx.out : ctx.err;
  let usage: TokenUsage | undefined;
  let limits: RateLimitSnapshot | undefined;
  let inReasoning = false;
  for await (const event of stream) {
    if (json) ctx.out(`${JSON.stringify(event)}\n`);
    else if (event.type === "reasoningSummaryDelta") {
      aside(tty ? `\x1b[2m${event.delta}\x1b[22m` : event.delta);
      inReasoning = true;
    } else if (event.type === "outputTextDelta") {
      if (inReasoning) aside("\n\n");
      inReasoning = false;
      ctx.out(event.delta);
    } else if (event.type === "rateLimits") limits = event.snapshot;
    else if (event.type === "completed") usage = event.tokenUsage;
  }
  if (json) return;
  ctx.out("\n");
  if (usage) ctx.err(`${usageLine(usage)}\n`);
  const line = limits && rateLimitLine(limits);
  if (line) ctx.err(`${line}\n`);
}
