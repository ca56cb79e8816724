// The codex-api executable as a real process (src/cli/bin.ts under tsx): it runs, its exit code
// reaches the shell, SIGTERM stops `mock`, and a reader that goes away (EPIPE) ends it quietly.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";
import { VERSION } from "../../src/version.js";

const TSX = "node_modules/.bin/tsx";
const BIN = "src/cli/bin.ts";

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const k of ["CODEX_BASE_URL", "CODEX_API_KEY", "OPENAI_API_KEY", "CODEX_API_DEBUG"]) {
    delete clean[k];
  }
  return clean;
}

/** Runs `command` with `args`; `onStdout` sees all of stdout so far after every chunk. */
function run(
  command: string,
  args: string[],
  onStdout?: (soFar: string, child: ReturnType<typeof spawn>) => void,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out: ${command} ${args.join(" ")}\n${stderr}`));
    }, 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let server: MockServer;

beforeAll(async () => {
  server = await startMockServer({ responses: { dripMs: 20 } });
});

afterAll(() => server.close());

describe.concurrent("codex-api bin", () => {
  test("exit codes reach the shell: 0, 1 and 2", async () => {
    const [version, failed, usage] = await Promise.all([
      run(TSX, [BIN, "--version"]),
      run(TSX, [BIN, "validate", "test/fixtures/invalid/ResponseItem/message-text-number.json"]),
      run("sh", ["-c", `${TSX} ${BIN} mock --port 70000; echo "exit $?"`]),
    ]);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("0 passed, 1 failed");
    expect(usage.stdout).toBe("exit 2\n");
    expect(usage.stderr).toContain("--port must be a whole number in 0..65535");
  });

  test("mock serves until SIGTERM, then exits 0", async () => {
    const r = await run(TSX, [BIN, "mock", "--port", "0"], (soFar, child) => {
      const url = /mock server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(soFar)?.[1];
      if (!url) return;
      void fetch(`${url}/responses/compact`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", input: [], instructions: "" }),
      }).then((res) => res.status === 200 && child.kill("SIGTERM"));
    });
    expect(r).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^mock server listening on /),
      stderr: "mock server closed (SIGTERM)\n",
    });
  });

  test("`responses … | head -c1` ends quietly: exit 0, nothing on stderr", async () => {
    const pipeline = `${TSX} ${BIN} responses --base-url ${server.url} one two three four five | head -c1`;
    const r = await run("bash", ["-o", "pipefail", "-c", pipeline]);
    expect(r).toEqual({ code: 0, stdout: "E", stderr: "" });
  });
});
