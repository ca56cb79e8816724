// Launcher for Vercel's edge-runtime, run by Node from the repository: evaluates the IIFE bundle of
// entry.mjs (argument 1) in an EdgeRuntime and runs the smoke against the URLs (argument 2, JSON).
import { readFileSync } from "node:fs";
import { EdgeRuntime } from "edge-runtime";

const [bundle, urls] = process.argv.slice(2);
const runtime = new EdgeRuntime({ initialCode: readFileSync(bundle, "utf8") });
console.log(await runtime.evaluate(`smoke.run(${urls}).then(smoke.resultLine)`));
