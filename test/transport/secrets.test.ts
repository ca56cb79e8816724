// What the one scrubber covers besides error messages: the data of log lines, and a token that an
// AuthProvider rotates on every call (the one in use is always known, however many came before).
import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { clientFor, rejection } from "../helpers/calls.js";
import { serveEach } from "../helpers/server.js";

const serve = serveEach();
const TOKEN = "sk-secrets-SECRET-0b7";

/** A logger keeping every line and its data, as text. */
function capture() {
  const lines: string[] = [];
  const log = (message: string, ...data: unknown[]) =>
    void lines.push([message, ...data.map((d) => inspect(d, { depth: 8 }))].join(" "));
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
}

describe("the scrubber", () => {
  it("cleans the data of log lines, not only their message", async () => {
    const server = await serve({ status: 200, body: JSON.stringify({ models: [] }) });
    const { lines, logger } = capture();
    // A header whose name does not say it is secret, carrying the token the client knows.
    const client = clientFor(
      server,
      { headers: { "x-trace": `trace ${TOKEN}` } },
      {
        auth: TOKEN,
        logger,
      },
    );
    await client.models.list();
    expect(lines.some((l) => l.includes("x-trace"))).toBe(true);
    expect(lines.join("\n")).not.toContain(TOKEN);
  });

  it("always knows the token in use, after 200 rotations", async () => {
    const server = await serve((req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no: ${req.headers.authorization}` } }));
    });
    const { lines, logger } = capture();
    let n = 0;
    const token = () => `${TOKEN}-${n}`;
    const client = clientFor(
      server,
      { retry: { maxAttempts: 2, baseDelayMs: 0 } },
      {
        auth: { bearerToken: () => (n++, token()) },
        logger,
      },
    );
    for (let i = 0; i < 100; i++) {
      const error = await rejection(client.models.list());
      const texts = [error.message, error.stack, inspect(error), JSON.stringify(error)].join();
      expect(texts).not.toContain(token());
      expect(texts).toContain("[redacted]");
    }
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.join("\n")).not.toContain(TOKEN);
  });
});
