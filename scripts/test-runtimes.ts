// `npm run test:runtimes`: the portability claim of the README, proven on the packed package. It
// installs the tarball into a scratch consumer, starts mock servers (`codex-api/testing`, as
// installed) and runs the one smoke (test/runtimes/smoke.ts) in every runtime below, each in a
// child process with a time limit. Prints `PASS <runtime> <version>` or `FAIL <runtime> <version>:
// <why>` per runtime, then `runtimes: N passed, M failed`; exits 1 when anything failed.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type * as Testing from "../src/testing/index.js";
import type { SmokeResult, SmokeUrls } from "../test/runtimes/smoke.js";
import { killAll, runChild } from "./runtimes/child.js";
import {
  bundleLaunchers,
  bundles,
  consumer,
  installPackage,
  launchers,
  nodeBinary,
  root,
  work,
} from "./runtimes/prepare.js";
import { writeWorkerdConfig } from "./runtimes/workerd.js";

/** Node versions fetched from npm besides the one running this script; pinned here. */
const NODE_VERSIONS = ["22.23.3", "24.21.0"];
const TIMEOUT_MS = 60_000;

interface Runtime {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** For runtimes whose code cannot tell its own version. */
  version?: string;
}

const bin = (name: string) => join(root, "node_modules", ".bin", name);
const packageVersion = (name: string) =>
  (
    JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

async function runtimes(urls: SmokeUrls, page: string): Promise<Runtime[]> {
  const json = JSON.stringify(urls);
  const cli = (name: string, command: string) => ({ name, command, args: ["cli.mjs", json] });
  const nodes = await Promise.all(NODE_VERSIONS.map(async (v) => cli(`node`, await nodeBinary(v))));
  return [
    cli("node", process.execPath),
    ...nodes,
    cli("bun", bin("bun")),
    {
      name: "deno",
      command: bin("deno"),
      args: ["run", "--allow-net=127.0.0.1", "cli.mjs", json],
      env: { DENO_DIR: join(work, "deno-cache"), DENO_NO_UPDATE_CHECK: "1" },
    },
    {
      name: "edge-runtime",
      command: process.execPath,
      args: [join(launchers, "edge.mjs"), join(consumer, bundles.edge), json],
      version: packageVersion("edge-runtime"),
    },
    {
      name: "workerd",
      command: bin("workerd"),
      args: ["test", writeWorkerdConfig(json)],
      version: packageVersion("workerd"),
    },
    {
      name: "chromium",
      command: process.execPath,
      args: [join(launchers, "browser.mjs"), page, json],
    },
    { name: "node (esbuild --minify)", command: process.execPath, args: [bundles.minified, json] },
  ];
}

/** Serves the consumer's page/ folder (the browser smoke) on 127.0.0.1. */
async function servePage(): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { html: "text/html", js: "text/javascript" };
  const server = createServer((req, res) => {
    const file = (req.url ?? "/").split("?")[0] === "/" ? "index.html" : req.url!.slice(1);
    try {
      const body = readFileSync(join(consumer, "page", file.replace(/\.\./g, "")));
      res.writeHead(200, { "content-type": types[file.split(".").pop()!] ?? "text/plain" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

async function startMocks(testing: typeof Testing): Promise<Testing.MockServer[]> {
  const failed = [
    { type: "response.created", response: { id: "resp_1", status: "in_progress", output: [] } },
    {
      type: "response.failed",
      response: {
        id: "resp_1",
        status: "failed",
        error: { code: "context_length_exceeded", message: "input exceeds the context window" },
      },
    },
  ];
  const scripts: Testing.MockScript[] = [
    {},
    { responses: { status: 500 } },
    { responses: { events: failed } },
    { responses: { stallAfterEvents: 3 } },
  ];
  return Promise.all(scripts.map((s) => testing.startMockServer(s, { cors: true })));
}

/** The smoke's result, from the `SMOKE {json}` line a launcher prints. */
function parseResult(stdout: string): SmokeResult | undefined {
  const line = stdout.split("\n").findLast((l) => l.startsWith("SMOKE "));
  return line === undefined ? undefined : (JSON.parse(line.slice(6)) as SmokeResult);
}

async function runOne(runtime: Runtime): Promise<boolean> {
  const started = performance.now();
  const out = await runChild(runtime.command, runtime.args, {
    cwd: runtime.cwd ?? consumer,
    ...(runtime.env ? { env: runtime.env } : {}),
    timeoutMs: TIMEOUT_MS,
  });
  const result = parseResult(out.stdout);
  const version = runtime.version ?? result?.version ?? "?";
  const seconds = `(${((performance.now() - started) / 1000).toFixed(1)} s)`;
  if (result?.ok && out.code === 0) {
    console.log(`PASS ${runtime.name} ${version} ${seconds}`);
    return true;
  }
  const why = out.timedOut
    ? `timed out after ${TIMEOUT_MS} ms`
    : (result?.why ?? `exit ${out.code}: ${(out.stderr || out.stdout).trim().slice(-600)}`);
  console.log(`FAIL ${runtime.name} ${version}: ${why} ${seconds}`);
  return false;
}

process.on("exit", killAll);
await installPackage();
await bundleLaunchers();
const testing = (await import(
  join(consumer, "node_modules", "codex-api", "dist", "testing", "index.js")
)) as typeof Testing;
const mocks = await startMocks(testing);
const page = await servePage();
let passed = 0;
let failed = 0;
try {
  const [ok, serverError, failedUrl, stall] = mocks.map((m) => m.url) as [
    string,
    string,
    string,
    string,
  ];
  const urls: SmokeUrls = { ok, serverError, failed: failedUrl, stall };
  for (const runtime of await runtimes(urls, page.url)) {
    if (await runOne(runtime)) passed++;
    else failed++;
  }
} finally {
  await Promise.all(mocks.map((m) => m.close()));
  page.server.closeAllConnections();
  page.server.close();
}
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
