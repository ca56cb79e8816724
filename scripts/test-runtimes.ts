// `npm run test:runtimes`: the README's runtime table, proven on the packed package. It installs
// the tarball into a scratch consumer, starts mock servers (`codex-api/testing` as installed) and
// runs the one smoke (test/runtimes/smoke.ts) in every runtime below, each a child process with a
// time limit; the built `codex-api` command runs on every Node too (test/runtimes/bin.mjs). Prints
// `PASS <runtime> <version>` or `FAIL <runtime> <version>: <why>` per runtime, then
// `runtimes: N passed, M failed, K skipped`, and exits 1 when anything failed. A runtime whose program
// is not installed (Chromium, a Debian package) is `SKIP <runtime>: <how to install it>`, which
// fails the run only under CI=true, where every runtime is required.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
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

/** Node versions fetched from npm besides the one running this script: the lowest that
 * `engines` allows, and the current lines. */
const NODE_VERSIONS = ["20.0.0", "22.23.3", "24.21.0"];
const TIMEOUT_MS = 60_000;

interface Runtime {
  name: string;
  command: string;
  /** Run in the consumer folder. */
  args: string[];
  env?: Record<string, string>;
  /** For runtimes whose code cannot tell its own version. */
  version?: string;
  /** A program outside npm the runtime needs, and how to install it when it is missing. */
  needs?: { path: string; install: string };
}

/** Chromium: Debian's package, or the browser at $CHROMIUM (the launcher reads the same variable). */
const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";

const bin = (name: string) => join(root, "node_modules", ".bin", name);
const packageVersion = (name: string): string =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;

function runtimes(urls: SmokeUrls, page: string, nodes: string[]): Runtime[] {
  const json = JSON.stringify(urls);
  const cli = (name: string, command: string) => ({ name, command, args: ["cli.mjs", json] });
  const builtCli = (node: string) => ({
    name: "codex-api-cli",
    command: node,
    args: ["bin.mjs", json],
  });
  const fromRepo = (launcher: string, ...args: string[]) => [join(launchers, launcher), ...args];
  return [
    cli("node", process.execPath),
    ...nodes.map((node) => cli("node", node)),
    builtCli(process.execPath),
    ...nodes.map(builtCli),
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
      args: fromRepo("edge.mjs", join(consumer, bundles.edge), json),
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
      args: fromRepo("browser.mjs", page, json),
      needs: {
        path: CHROMIUM,
        install: `apt-get install chromium (or set CHROMIUM to a Chromium binary; looked for ${CHROMIUM})`,
      },
    },
    { name: "node-esbuild-minify", command: process.execPath, args: [bundles.minified, json] },
  ];
}

/** Serves the browser smoke's page (the consumer's page/ folder) on 127.0.0.1. */
async function servePage() {
  const files: Record<string, [string, string]> = {
    "/": ["index.html", "text/html"],
    "/app.js": ["app.js", "text/javascript"],
  };
  const server = createServer((req, res) => {
    const file = files[req.url ?? ""];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[1] });
    res.end(readFileSync(join(consumer, "page", file[0])));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url, close };
}

/** One mock server per behaviour in SmokeUrls, answering browser pages of any origin too. */
async function startMocks(testing: typeof Testing) {
  const error = { code: "context_length_exceeded", message: "input exceeds the context window" };
  const events = [
    { type: "response.created", response: { id: "r1", status: "in_progress", output: [] } },
    { type: "response.failed", response: { id: "r1", status: "failed", error } },
  ];
  const scripts: Record<keyof SmokeUrls, Testing.MockScript> = {
    ok: {},
    serverError: { responses: { status: 500 } },
    failed: { responses: { events } },
    stall: { responses: { stallAfterEvents: 3 } },
    dropped: { responses: { dropAfterEvents: 3, dripMs: 20 } },
  };
  const urls = {} as SmokeUrls;
  const mocks = await Promise.all(
    (Object.keys(scripts) as (keyof SmokeUrls)[]).map(async (key) => {
      const mock = await testing.startMockServer(scripts[key], { cors: true });
      urls[key] = mock.url;
      return mock;
    }),
  );
  return { urls, close: () => Promise.all(mocks.map((m) => m.close())) };
}

/** The smoke's result, from the `SMOKE {json}` line a launcher prints last. */
function parseResult(stdout: string): SmokeResult | undefined {
  const line = stdout.split("\n").findLast((l) => l.startsWith("SMOKE "));
  try {
    return line === undefined ? undefined : (JSON.parse(line.slice(6)) as SmokeResult);
  } catch {
    return undefined;
  }
}

type Outcome = "passed" | "failed" | "skipped";

async function runOne(runtime: Runtime): Promise<Outcome> {
  if (runtime.needs && !existsSync(runtime.needs.path)) {
    if (process.env["CI"] === "true") {
      console.log(`FAIL ${runtime.name}: not installed (CI requires it): ${runtime.needs.install}`);
      return "failed";
    }
    console.log(`SKIP ${runtime.name}: ${runtime.needs.install}`);
    return "skipped";
  }
  return (await runInstalled(runtime)) ? "passed" : "failed";
}

async function runInstalled(runtime: Runtime): Promise<boolean> {
  const started = performance.now();
  const out = await runChild(runtime.command, runtime.args, {
    cwd: consumer,
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
  const output = (out.stderr || out.stdout).trim().slice(-600);
  const why = out.timedOut
    ? `timed out after ${TIMEOUT_MS} ms`
    : (result?.why ?? `exit ${out.code}: ${output}`);
  console.log(`FAIL ${runtime.name} ${version}: ${why} ${seconds}`);
  return false;
}

process.on("exit", killAll);
await installPackage();
await bundleLaunchers();
const nodes = await Promise.all(NODE_VERSIONS.map(nodeBinary));
const installed = join(consumer, "node_modules", "codex-api", "dist", "testing", "index.js");
const mocks = await startMocks((await import(installed)) as typeof Testing);
const page = await servePage();
const list = runtimes(mocks.urls, page.url, nodes);
const outcomes: Record<Outcome, number> = { passed: 0, failed: 0, skipped: 0 };
try {
  for (const runtime of list) outcomes[await runOne(runtime)]++;
} finally {
  await Promise.all([mocks.close(), page.close()]);
}
const { passed, failed, skipped } = outcomes;
console.log(`runtimes: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
