#!/usr/bin/env node
// The `codex-api` executable: main() with this process's streams and environment. SIGINT and SIGTERM
// end the running command (once; a second one kills as usual).
import { main } from "./main.js";

const stop = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => stop.abort(name));
// A write that fails after main() has returned (the reader went away) is not an error.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: stop.signal,
});
