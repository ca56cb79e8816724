// The `codex-api` CLI in process: main() with in-memory streams, its output collected as text.
import { Readable, Writable } from "node:stream";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Piped to stdin (not a TTY); without it the CLI has no stdin. */
  stdin?: string;
  /** The whole environment (default: empty, so no CODEX_BASE_URL or key leaks in). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Replaces the collecting stdout (to make it fail, or pose as a TTY). */
  stdout?: Writable & { isTTY?: boolean };
  /** Called with all of stdout so far after every write. */
  onStdout?: (soFar: string) => void;
}

const sink = (append: (text: string) => void) =>
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      append(chunk.toString());
      done();
    },
  });

/** Runs `codex-api ...argv` in process and resolves with its exit code and output. */
export async function runCli(argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout:
      options.stdout ??
      sink((text) => {
        stdout += text;
        options.onStdout?.(stdout);
      }),
    stderr: sink((text) => (stderr += text)),
    ...(options.stdin !== undefined ? { stdin: Readable.from([Buffer.from(options.stdin)]) } : {}),
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout, stderr };
}
