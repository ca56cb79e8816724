// Nothing the client starts keeps a process alive by itself: a script that received a stream and
// never read it, made a call that failed its argument check, or finished its calls exits as soon as
// its last line ran (a child process against the shipped mock server).
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";

const TSX = "node_modules/.bin/tsx";
const CHILD = "test/helpers/exit-child.ts";
// From "done" to the exit: far below streamIdleTimeoutMs (5 min) and requestTimeoutMs (10 min).
const EXIT_WITHIN_MS = 3_000;

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer();
});
afterAll(() => mock.close());

/** Runs a scenario; resolves with the ms between its "done" and its exit, or rejects when it hangs. */
function exitDelay(scenario: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env["OPENAI_API_KEY"];
    const child = spawn(TSX, [CHILD, scenario, mock.url], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let doneAt: number | undefined;
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      if (c.toString().includes("done")) doneAt ??= performance.now();
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${scenario}: still running ${EXIT_WITHIN_MS} ms after "done"? ${stderr}`));
    }, 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0 || doneAt === undefined)
        reject(new Error(`${scenario}: exit ${code} ${stderr}`));
      else resolve(performance.now() - doneAt);
    });
  });
}

describe.concurrent("a process using the client exits by itself", () => {
  it.each([
    "unread-stream",
    "bad-signal",
    "finished",
    "socket",
    "socket-unclosed",
    "socket-unread",
    "socket-preconnected",
  ])(
    "%s",
    async (scenario) => {
      expect(await exitDelay(scenario)).toBeLessThan(EXIT_WITHIN_MS);
    },
    25_000,
  );
});
