// The resume hint (`to continue: codex-api resume …`) pasted into bash: for ids a hostile server
// chose (control characters, C1 and invisible characters, quotes, backslashes, `$()`, backticks,
// `--`, a long one), the words bash makes of it name the same response and run nothing; and the
// progress line's id reads the same way.
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, test } from "vitest";
import { cannedEvents, startMockServer, type MockServer } from "../../src/testing/index.js";
import { runCli } from "../helpers/cli.js";

let server: MockServer | undefined;
afterEach(() => server?.close());

const withId = (id: string) =>
  cannedEvents({ model: "m", background: true, store: true }, 1).map((e) =>
    e.response ? { ...e, response: { ...(e.response as object), id } } : e,
  );

/** `responses --background` against a mock whose response is `id`, dropped after 4 events, then 404. */
async function refused(id: string, retrieve: object = { status: 404 }) {
  server = await startMockServer({
    responses: { events: withId(id), dropAfterEvents: 4 },
    retrieve,
  });
  return runCli(["responses", "--base-url", server.url, "--background", "hi"]);
}

const hint = (stderr: string) => /to continue: codex-api (.*)\n/.exec(stderr)?.[1];

/** The arguments bash passes for `words` (the hint after `codex-api`), without running anything else. */
function bashWords(words: string): string[] {
  const out = execFileSync("bash", ["-c", `printf '%s\\0' ${words}`], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C.UTF-8" },
    encoding: "utf8",
  });
  return out.split("\0").slice(0, -1);
}

describe("the resume hint pasted into bash", () => {
  test.each([
    ["an escape sequence", "resp_\u001b[31mred"],
    ["a newline", "resp_a\nb"],
    ["a tab", "resp_a\tb"],
    ["a C1 control (NEL)", "resp_a\u0085b"],
    ["a right-to-left override", "resp_\u202egnp.exe"],
    ["a zero-width space", "resp_\u200bx"],
    ["a line separator", "resp_\u2028x"],
    ["a quote and an escape", "resp_'\u001b"],
    ["a backslash and a control", "resp_\\x41\u0007"],
  ])("%s: the pasted words name the same id", async (_what, id) => {
    const r = await refused(id);
    const words = hint(r.stderr);
    expect(words).toBeDefined();
    expect(words).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e]/);
    expect(bashWords(words!)).toEqual(["resume", id, "--starting-after", "3"]);
  });

  test.each([
    ["a command substitution", "resp_$(touch /tmp/round-attack-pwned)"],
    ["backticks", "resp_`touch /tmp/round-attack-pwned`"],
    ["quotes", `resp_"a'b"`],
    ["a backslash", "resp_a\\b"],
    ["a dollar and braces", "resp_${HOME}"],
    ["a glob", "resp_*"],
    ["a very long id", `resp_${"a b".repeat(5000)}`],
  ])("%s: the pasted words name the same id and run nothing", async (_what, id) => {
    const r = await refused(id);
    const words = hint(r.stderr)!;
    expect(bashWords(words)).toEqual(["resume", id, "--starting-after", "3"]);
  });

  test("an id that is `--`: the hint, run, resumes that id", async () => {
    const r = await refused("--", [{ status: 404 }, {}]);
    const words = bashWords(hint(r.stderr)!);
    const rest = await runCli([words[0]!, "--base-url", server!.url, ...words.slice(1)]);
    expect(rest.code).toBe(0);
    expect(server!.requests.at(-1)!.url).toContain("/responses/--?");
  });

  test("an id with an escape sequence: the hint, run, resumes that id", async () => {
    const id = "resp_\u001b[0m";
    const r = await refused(id, [{ status: 404 }, {}]);
    const words = bashWords(hint(r.stderr)!);
    const rest = await runCli([words[0]!, "--base-url", server!.url, ...words.slice(1)]);
    expect(rest.code).toBe(0);
    expect(server!.requests.at(-1)!.url).toContain(`/responses/${encodeURIComponent(id)}?`);
  });

  test("the progress line of a resume shows the id as bash would read it back", async () => {
    const id = "resp_\u001bx";
    server = await startMockServer({
      responses: { events: withId(id), dropAfterEvents: 4 },
      retrieve: { events: [] },
    });
    const r = await runCli(["responses", "--base-url", server.url, "--background", "hi"]);
    const word = /resuming (\S+) after event/.exec(r.stderr)?.[1];
    expect(word).toBeDefined();
    expect(bashWords(word!)).toEqual([id]);
  });
});

describe("the resume hint of an id that carries the API key", () => {
  test("no command naming the scrubbed id, which would resume another response", async () => {
    const KEY = "sk-round-attack-secret-0123456789";
    server = await startMockServer({
      responses: { events: withId(`resp_${KEY}`), dropAfterEvents: 4 },
      retrieve: { status: 404 },
    });
    const args = ["responses", "--base-url", server.url, "--background", "hi"];
    const r = await runCli(args, { env: { OPENAI_API_KEY: KEY } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain(KEY);
    expect(hint(r.stderr)).toBeUndefined();
    expect(r.stderr).toContain("its id carries a secret");
  });
});
