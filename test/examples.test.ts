// The programs in examples/ run against the embedded mock server (no OPENAI_API_KEY in their
// environment), each in its own process as a user would run it; `npm run typecheck` compiles them.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;
const run = promisify(execFile);

/** What each example prints when it worked (every example in the folder must be listed). */
const EXPECTED: Record<string, RegExp> = {
  "agent-loop.ts": /^\{"city":"mock"\}\nTool output: Sunny, 21 °C in mock\n$/,
  "agent-loop-websocket.ts": /calling list_files\(\{\}\)[\s\S]*Tool output: README\.md/,
  "testing-with-the-mock.ts": /^ok: 3 requests, answer "Tool output: 12:00"\n$/,
  "models-refresh.ts": /the list changed: listed again \(request req_3\), etag "v2"/,
  "background-resume.ts":
    /^dropped \(reset\), resumed after 4\nread "Echo: Count ", saved resp_mock_1 at 5\nthe rest: "to three"\n$/,
};

describe("examples/", () => {
  const files = readdirSync(new URL("../examples/", import.meta.url)).filter((f) =>
    f.endsWith(".ts"),
  );

  it("lists what every example prints", () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.concurrent.each(files)("%s runs against the mock", async (file) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: "examples/tsconfig.json" };
    for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "CODEX_BASE_URL"]) {
      delete env[name];
    }
    const { stdout } = await run(process.execPath, ["--import", "tsx", `examples/${file}`], {
      cwd: root,
      env,
      timeout: 30_000,
    });
    expect(stdout).toMatch(EXPECTED[file]!);
  });
});
