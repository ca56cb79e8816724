// Launcher for Node, Bun and Deno: the mock servers' URLs come as JSON in the first argument.
import { resultLine, run } from "./entry.mjs";

const args = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
console.log(resultLine(await run(JSON.parse(args[0]))));
