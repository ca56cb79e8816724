// The hint `codex-api resume ID --starting-after N` printed after a refused resume, attacked: ids
// a hostile server chose (an option's spelling, bidi and zero-width characters, a line separator,
// the API key itself), a refused resume's body echoing the key, and a response that failed on the
// server (nothing to continue).
import { afterEach, describe, expect, test } from "vitest";
import { cannedEvents, startMockServer, type MockServer } from "../../src/testing/index.js";
import { runCli } from "../helpers/cli.js";

let server: MockServer | undefined;
afterEach(() => server?.close());

const KEY = "sk-attack2-secret-key-0123456789";

/** The canned background events with the response id `id`. */
const withId = (id: string) =>
  cannedEvents({ model: "m", background: true, store: true }, 1).map((e) =>
    e.response ? { ...e, response: { ...(e.response as object), id } } : e,
  );

/** `responses --background` against a mock whose response is `id`, dropped after 4 events, then 404. */
async function refused(id: string, retrieve: object = { status: 404 }, env = {}) {
  server = await startMockServer({
    responses: { events: withId(id), dropAfterEvents: 4 },
    retrieve,
  });
  return runCli(["responses", "--base-url", server.url, "--background", "hi"], { env });
}

const hint = (stderr: string) => /to continue: (.*)\n/.exec(stderr)?.[1];

describe("the resume hint with a hostile id", () => {
  test("an id spelled like an option (--base-url=…) cannot be read as one when pasted", async () => {
    const r = await refused("--base-url=http://evil.invalid/");
    expect(r.code).toBe(1);
    const command = hint(r.stderr)!;
    expect(command).toBeDefined();
    // The words of the command, as a shell splits these (no quotes needed for this id).
    const words = command.split(" ").slice(1);
    const at = words.findIndex((w) => w.includes("evil"));
    expect(words.slice(0, at)).toContain("--");
  });

  test("an id starting with '-' that runs as printed resumes that id", async () => {
    const id = "-resp_dash";
    const r = await refused(id, [{ status: 404 }, {}]);
    const words = hint(r.stderr)!.split(" ").slice(1);
    const rest = await runCli([words[0]!, "--base-url", server!.url, ...words.slice(1)]);
    expect(rest.code).toBe(0);
    expect(server!.requests.at(-1)!.url).toContain("/responses/-resp_dash?");
  });

  test.each([
    ["a right-to-left override", "resp_\u202egnp.exe"],
    ["a zero-width space", "resp_\u200bx"],
    ["a line separator", "resp_\u2028x"],
    ["a byte order mark", "resp_\ufeffx"],
  ])("%s in the id is escaped in the hint", async (_what, id) => {
    const r = await refused(id);
    const line = hint(r.stderr)!;
    expect(line).toBeDefined();
    expect(line).not.toMatch(/[\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/);
  });

  test("an id that is the API key is not printed", async () => {
    const r = await refused(`resp_${KEY}`, { status: 404 }, { OPENAI_API_KEY: KEY });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain(KEY);
    expect(r.stdout).not.toContain(KEY);
  });

  test("a refused resume whose body echoes the key prints neither key nor raw control bytes", async () => {
    const body = { error: { message: `bad key ${KEY}\u001b[31m` } };
    const r = await refused("resp_ok", { status: 404, body }, { OPENAI_API_KEY: KEY });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain(KEY);
    expect(r.stderr).not.toContain("\u001b");
    expect(hint(r.stderr)).toBe("codex-api resume resp_ok --starting-after 3");
  });
});

describe("no hint where resuming cannot help", () => {
  test("a response that failed on the server (response.failed) prints no hint", async () => {
    const created = {
      type: "response.created",
      response: { id: "resp_f", status: "in_progress" },
      sequence_number: 0,
    };
    const failed = {
      type: "response.failed",
      response: {
        id: "resp_f",
        status: "failed",
        error: { code: "context_length_exceeded", message: "too long" },
      },
      sequence_number: 1,
    };
    server = await startMockServer({ responses: { events: [created, failed] } });
    const r = await runCli(["responses", "--base-url", server.url, "--background", "hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("too long");
    expect(r.stderr).not.toContain("to continue");
  });

  test("resume ID whose opening GET is refused names the id and the point", async () => {
    server = await startMockServer();
    const r = await runCli([
      "resume",
      "resp_gone",
      "--base-url",
      server.url,
      "--starting-after",
      "5",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("resuming resp_gone after sequence number 5");
  });
});
