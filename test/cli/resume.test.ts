// `codex-api responses --background` (a dropped stream resumes, and stderr says so) and
// `codex-api resume ID [--starting-after N]`, in process against the shipped mock server.
import { afterEach, describe, expect, test } from "vitest";
import { cannedEvents, startMockServer, type MockServer } from "../../src/testing/index.js";
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

  test("responses --background: a refused resume (404) says how to continue, and that command prints the rest", async () => {
    const gone = { error: { message: "No response found with id 'resp_mock_1'." } };
    server = await startMockServer({
      responses: { dropAfterEvents: 5 },
      retrieve: [{ status: 404, body: gone }, {}],
    });
    const r = await runCli(["responses", "--base-url", server.url, "--background", "hello"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("Echo: ");
    expect(r.stderr).toContain(
      "stopped after event 4 of resp_mock_1; to continue: codex-api resume resp_mock_1 --starting-after 4\n",
    );
    // The error line names the GET that failed (its own request id) and which resume it was.
    expect(r.stderr).toMatch(/HTTP 404: .*\(resuming resp_mock_1 after sequence number 4\)/);
    expect(r.stderr).toContain("request id req_2");
    const command = /to continue: codex-api (.*)\n/.exec(r.stderr)![1]!.split(" ");
    const rest = await runCli([...command, "--base-url", server.url]);
    expect(rest.code).toBe(0);
    expect(r.stdout + rest.stdout).toBe("Echo: hello\n");
  });

  test("resume ID that stops again says how to continue from where it stopped", async () => {
    server = await startMockServer({ retrieve: [{ dropAfterEvents: 3 }, { status: 404 }] });
    await runCli(["responses", "--base-url", server.url, "--background", "hi"]);
    const r = await runCli(["resume", "resp_mock_1", "--base-url", server.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("to continue: codex-api resume resp_mock_1 --starting-after 2\n");
  });

  test("an id with a quote and control characters is shell-quoted and escaped on stderr", async () => {
    const id = "resp_a'b\u001b[2J";
    const events = cannedEvents({ model: "m", background: true, store: true }, 1).map((e) =>
      e.response ? { ...e, response: { ...(e.response as object), id } } : e,
    );
    server = await startMockServer({
      responses: { events, dropAfterEvents: 4 },
      retrieve: { status: 404 },
    });
    const r = await runCli(["responses", "--base-url", server.url, "--background", "hi"]);
    expect(r.code).toBe(1);
    // Bash's $'…' reads \x1b back as the escape: pasted, the word is the id (round-attack.test.ts).
    expect(r.stderr).toContain("codex-api resume $'resp_a\\'b\\x1b[2J' --starting-after 3\n");
    expect(r.stderr).toContain("resuming $'resp_a\\'b\\x1b[2J' after event 3");
    // Nothing the server named reaches the terminal raw: not the hint, not the error line.
    expect(r.stderr).not.toContain("\u001b");
  });

  test("an abort (Ctrl-C, a closed stdout) prints no hint", async () => {
    server = await startMockServer({ responses: { dripMs: 20 } });
    const controller = new AbortController();
    const run = runCli(["responses", "--base-url", server.url, "--background", "hi"], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort("SIGINT"), 60);
    const r = await run;
    expect(r.stderr).not.toContain("to continue");
  });
});
