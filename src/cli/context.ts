// What every command runs with: the caller's streams and environment behind a Ctx that stops writing
// (and aborts the command) once stdout has gone away, plus the shared readers of input and config.
import { Scrubber } from "../transport/redact.js";
import { anySignal } from "../transport/race.js";
import { readFile } from "node:fs/promises";
import {
  CodexApiError,
  createClient,
  providers,
  type CodexClient,
  type ResumeTelemetry,
  type RetryTelemetry,
} from "../index.js";
import { DEFAULT_RETRY } from "../transport/retry.js";
import { startMockServer } from "../testing/index.js";
import { httpUrl, str, UsageError, wholeNumber, type Values } from "./args.js";

/** The streams and environment `main()` runs with; the bin passes the process's own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Read by `responses` when no prompt is given and it is not a TTY; absent: no stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /**
   * Ends a running command: `mock` closes its server and exits 0, other commands end quietly with
   * 128 + the signal number when the reason is a signal name (the bin aborts on SIGINT / SIGTERM).
   */
  signal?: AbortSignal;
}

/** A running command's view of its io. */
export interface Ctx {
  io: CliIo;
  /** Writes to stdout, or nothing once stdout has failed. */
  out(text: string): void;
  err(text: string): void;
  /** Aborted when `io.signal` is or when stdout has failed. */
  signal: AbortSignal;
  /** Cleans what is printed of the API key in use (and URL passwords): the client's scrubber. */
  scrubber: Scrubber;
}

/**
 * Writes to `stream` until it fails. A failed write calls back with its error before the stream
 * emits it, so a stream that has failed keeps the listener; the others get it removed by `release`.
 */
function guarded(stream: NodeJS.WritableStream, onError: (error: Error) => void) {
  let failure: NodeJS.ErrnoException | undefined;
  let lastWrite = Promise.resolve();
  const listener = (error: Error) => {
    failure ??= error;
    onError(error);
  };
  stream.on("error", listener);
  return {
    write(text: string) {
      if (failure) return;
      lastWrite = new Promise((resolve) =>
        stream.write(text, (error) => resolve(error ? listener(error) : undefined)),
      );
    },
    /** Resolves when every write has been handed on, with the stream's first error if any. */
    settled: () => lastWrite.then(() => failure),
    release: () => void (failure || stream.off("error", listener)),
  };
}

/** A Ctx over `io`. `stdoutFailure()` waits for stdout; `release()` waits for both streams. */
export function openContext(io: CliIo) {
  const broken = new AbortController();
  const stdout = guarded(io.stdout, (error) => broken.abort(error));
  // A failing stderr has nowhere left to report to.
  const stderr = guarded(io.stderr, () => {});
  const scrubber = new Scrubber();
  const joined = io.signal ? anySignal(io.signal, broken.signal) : undefined;
  const ctx: Ctx = {
    io,
    // Reply data a server echoed (a key in a model's description) is cleaned like an error.
    out: (text) => stdout.write(scrubber.text(text)),
    err: (text) => stderr.write(scrubber.text(text)),
    signal: joined?.signal ?? broken.signal,
    scrubber,
  };
  return {
    ctx,
    stdoutFailure: stdout.settled,
    async release() {
      await Promise.all([stdout.settled(), stderr.settled()]);
      joined?.dispose();
      stdout.release();
      stderr.release();
    },
  };
}

/** Text without a leading UTF-8 byte order mark (editors on Windows write one). */
export const withoutBom = (text: string): string => text.replace(/^\uFEFF/, "");

/** Reads `file` as JSON; the error names the file. */
export async function readJson(file: string): Promise<unknown> {
  const source = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  try {
    return JSON.parse(withoutBom(source));
  } catch (error) {
    throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
  }
}

/** The characters escapeControls shows escaped. */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * `text` with its control characters shown as `\xNN`, and the invisible ones that reorder or hide
 * text (bidi controls, zero-width characters, line and paragraph separators, a BOM) as `\uNNNN`:
 * server text never drives the terminal or reads other than it is.
 */
export function escapeControls(text: string): string {
  const hex = (c: string) => {
    const code = c.charCodeAt(0);
    return code > 0xff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\x${code.toString(16).padStart(2, "0")}`;
  };
  return text.replace(HIDDEN, hex);
}

/**
 * `resp_1`, or the id shell-quoted when it needs it: in `'…'`, or, when it has characters shown
 * escaped (control, invisible), in bash's `$'…'`, whose `\xNN` and `\uNNNN` read back as those
 * characters: pasted, the word names the same id.
 */
export function shellWord(id: string): string {
  if (/^[\w.:-]+$/.test(id)) return id;
  if (escapeControls(id) === id) return `'${id.replaceAll("'", `'\\''`)}'`;
  const escape = (c: string) => {
    const code = c.charCodeAt(0);
    return code < 0x80
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  };
  return `$'${id.replace(/[\\']/g, "\\$&").replace(HIDDEN, escape)}'`;
}

/**
 * `stream dropped (reset): resuming resp_… after event 41 (resume 1)`, for `--background`; a
 * resume that waits first (the reply before brought no new event) says `in 0.4 s`.
 */
export function resumeLine(info: ResumeTelemetry): string {
  const after =
    info.startingAfter === undefined ? "from its start" : `after event ${info.startingAfter}`;
  const wait = info.delayMs > 0 ? ` in ${(info.delayMs / 1000).toFixed(1)} s` : "";
  return `stream dropped (${info.reason}): resuming ${shellWord(info.responseId)} ${after}${wait} (resume ${info.resumes})`;
}

/** `retrying in 0.4 s: HTTP 503 (attempt 2 of 5)`: the line a retry prints on stderr. */
export function retryLine(info: RetryTelemetry, maxAttempts: number, scrubber: Scrubber): string {
  const { error } = info;
  const status = error instanceof CodexApiError ? error.status : undefined;
  const why =
    status !== undefined
      ? `HTTP ${status}`
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  const seconds = (info.delayMs / 1000).toFixed(1);
  const line = `retrying in ${seconds} s: ${why} (attempt ${info.attempt + 1} of ${maxAttempts})`;
  return scrubber.text(line.replace(/\s*\n\s*/g, " "));
}

/** Where a command sends: the flag, the environment, the real service (a key) or the mock. */
function baseUrlOf(ctx: Ctx, v: Values, apiKey: string | undefined) {
  const { env } = ctx.io;
  const flagUrl = str(v, "base-url");
  const source =
    flagUrl !== undefined
      ? "--base-url"
      : env["CODEX_BASE_URL"]
        ? "CODEX_BASE_URL"
        : "OPENAI_BASE_URL";
  const given = flagUrl ?? (env["CODEX_BASE_URL"] || env["OPENAI_BASE_URL"]);
  if (given) return httpUrl(given, source);
  if (apiKey) return providers.openai().baseUrl;
  return undefined;
}

/**
 * Runs `fn` with a client for --base-url / $CODEX_BASE_URL / $OPENAI_BASE_URL; without one, for
 * the real service when an API key is given, else for an embedded mock server (said on stderr).
 * Retries are reported on stderr as they are scheduled.
 */
export async function withClient<T>(
  ctx: Ctx,
  v: Values,
  fn: (client: CodexClient) => Promise<T>,
): Promise<T> {
  const { env } = ctx.io;
  const maxAttempts = wholeNumber(v, "max-attempts", 1);
  const apiKey = str(v, "api-key") ?? env["CODEX_API_KEY"] ?? env["OPENAI_API_KEY"];
  ctx.scrubber.add(apiKey);
  const baseUrl = baseUrlOf(ctx, v, apiKey);
  if (baseUrl && !str(v, "base-url") && !env["CODEX_BASE_URL"] && !env["OPENAI_BASE_URL"]) {
    ctx.err(`no --base-url or CODEX_BASE_URL, and an API key: using ${baseUrl}\n`);
  }
  const mockServer = baseUrl ? undefined : await startMockServer();
  if (mockServer) {
    ctx.err(
      `no --base-url, CODEX_BASE_URL or API key: using the embedded mock server at ${mockServer.url}\n`,
    );
  }
  const attempts = maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const onRetry = (info: RetryTelemetry) => ctx.err(`${retryLine(info, attempts, ctx.scrubber)}\n`);
  try {
    let client: CodexClient;
    try {
      client = createClient({
        provider: {
          baseUrl: baseUrl ?? mockServer!.url,
          ...(maxAttempts ? { retry: { maxAttempts } } : {}),
        },
        ...(apiKey ? { auth: apiKey } : {}),
        telemetry: { onRetry, onResume: (info) => ctx.err(`${resumeLine(info)}\n`) },
      });
    } catch (error) {
      // createClient rejects only what came from the flags and the environment.
      throw new UsageError((error as Error).message);
    }
    return await fn(client);
  } finally {
    await mockServer?.close();
  }
}
