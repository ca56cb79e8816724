// `codex-api responses --background` (a dropped stream resumes, and stderr says so) and
// `codex-api resume ID [--starting-after N]`, in process against the shipped mock server.
import { afterEach, describe, expect, test } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";
import { runCli } from "../helpers/cli.js";

let server: MockServer | undefined;
afterEach(() => server?.close());

describe("background streams in the CLI", () => {
  test("responses --background resumes a dropped stream and says so on stderr", async () => {
    server = await startMockServer({ responses: { dropAfterEvents: 3 } });
    const r = await runCli(["responses", "--base-url", server.url, "--background", "hello"]);
    expect(r.stdout).toBe("Echo: hello\n");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "stream dropped (reset): resuming resp_mock_1 after event 2 (resume 1)",
    );
    expect(server.requests[0]?.body).toMatchObject({ background: true, store: true });
    expect(server.requests.map((q) => q.method)).toEqual(["POST", "GET"]);
  });

  test("resume ID --starting-after N prints the rest of a stored response", async () => {
    server = await startMockServer();
    const first = await runCli(["responses", "--base-url", server.url, "--background", "hi"]);
    expect(first.code).toBe(0);
    const r = await runCli([
      "resume",
      "resp_mock_1",
      "--base-url",
      server.url,
      "--starting-after",
      "4",
    ]);
    expect(r.stdout).toBe("hi\n");
    expect(r.code).toBe(0);
    expect(server.requests.at(-1)?.url).toBe("/responses/resp_mock_1?stream=true&starting_after=4");
  });

  test("resume without an ID, with a bad --starting-after, or an unknown ID", async () => {
    server = await startMockServer();
    expect((await runCli(["resume", "--base-url", server.url])).code).toBe(2);
    const bad = await runCli(["resume", "r1", "--base-url", server.url, "--starting-after", "-1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--starting-after");
    const missing = await runCli(["resume", "resp_nope", "--base-url", server.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("404");
  });
});
