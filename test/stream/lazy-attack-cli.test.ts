// The CLI's background paths (src/cli/responses.ts) with the code they load on first use: a failure
// the stream reports and a bad id keep their class on stderr. Apart from lazy-attack-paths.test.ts,
// whose fresh imports would give the CLI's dynamic imports other copies of the error classes.
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";
import { runCli } from "../helpers/cli.js";

let mock: MockServer | undefined;
afterEach(() => mock?.close());

const created = { type: "response.created", response: { id: "resp_mock_1" } };
const failed = {
  type: "response.failed",
  response: { id: "resp_mock_1", error: { code: "context_length_exceeded", message: "too long" } },
};

describe("the CLI's background paths", () => {
  it("responses --background whose stream reports a failure: exit 1, its class on stderr", async () => {
    mock = await startMockServer({
      responses: { events: [created, failed] },
    });
    const r = await runCli(["responses", "--base-url", mock.url, "--background", "hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ContextWindowExceededError: too long");
  });

  it("resume of an id no URL can carry: exit 1, InvalidRequestError, nothing sent", async () => {
    mock = await startMockServer();
    const r = await runCli(["resume", "..", "--base-url", mock.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("InvalidRequestError: responses.resume: the id must be");
    expect(mock.requests).toEqual([]);
  });

  it("resume of a stored response that failed: exit 1, its class and no partial output", async () => {
    // Numbered: the mock keeps the events of a background response for its streamed GET.
    const events = [created, failed].map((e, i) => ({ ...e, sequence_number: i }));
    mock = await startMockServer({ responses: { events } });
    const first = await runCli(["responses", "--base-url", mock.url, "--background", "hi"]);
    expect(first.code).toBe(1);
    const r = await runCli(["resume", "resp_mock_1", "--base-url", mock.url, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ContextWindowExceededError: too long");
    expect(r.stdout).toContain('"type":"created"');
  });
});
