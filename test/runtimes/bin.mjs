// Launcher of the built `codex-api` command (the package's bin, as installed in the consumer), run
// by each Node of the runtime matrix: `responses` and `models` against the mock server's URL
// (argument 1, JSON of SmokeUrls). Prints the SMOKE line the driver reads.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";

const urls = JSON.parse(process.argv[2]);
const pkg = createRequire(import.meta.url).resolve("codex-api/package.json");
const bin = join(dirname(pkg), "dist", "cli", "bin.js");

/** Runs the bin with this Node; returns a reason when it did not do what the README says. */
function check(args, expected) {
  const out = spawnSync(process.execPath, [bin, ...args, "--base-url", urls.ok], {
    encoding: "utf8",
    timeout: 20_000,
  });
  if (out.status !== 0)
    return `codex-api ${args[0]}: exit ${out.status}: ${out.stderr.slice(-300)}`;
  if (!out.stdout.includes(expected)) return `codex-api ${args[0]}: no "${expected}" in its output`;
  return undefined;
}

const why = check(["responses", "hi"], "Echo: hi") ?? check(["models"], "gpt");
const result = { ok: why === undefined, version: process.version, ...(why ? { why } : {}) };
console.log(`SMOKE ${JSON.stringify(result)}`);
