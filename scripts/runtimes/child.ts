// Child processes of `npm run test:runtimes`: each runs in a process group of its own, is killed
// with that group when its time is up, and its group is killed again when it exits, so no runtime
// (a browser's helpers included) outlives its turn.
import { spawn } from "node:child_process";

/** How a child ended and what it printed. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of one child: where it runs, extra environment, and its time limit in ms. */
export interface ChildOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
}

const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
}

/** Kills every child still running (for an early exit of the driver). */
export function killAll(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
}

/** Runs `command` to its end or its time limit; never rejects. */
export function runChild(
  command: string,
  args: string[],
  options: ChildOptions,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const finish = (code: number | null, error?: Error) => {
      clearTimeout(timer);
      if (pid !== undefined) {
        killGroup(pid);
        running.delete(pid);
      }
      const stderr = Buffer.concat(err).toString("utf8") + (error ? String(error) : "");
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr, timedOut });
    };
    // Helpers that keep the pipes open would hold "close" back: end them with their leader.
    child.on("exit", () => pid !== undefined && killGroup(pid));
    child.on("error", (error) => finish(null, error));
    child.on("close", (code) => finish(code));
  });
}

/** Runs a setup step; throws with its output when it fails. */
export async function mustRun(
  command: string,
  args: string[],
  options: ChildOptions,
): Promise<string> {
  const result = await runChild(command, args, options);
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs} ms` : `exit ${result.code}`;
    throw new Error(`${command} ${args.join(" ")}: ${why}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}
