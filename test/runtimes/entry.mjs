// What every launcher runs: the smoke (smoke.ts, transpiled next to this file by
// scripts/test-runtimes.ts) against the library as this runtime resolves `codex-api`.
import * as api from "codex-api";
import { runSmoke } from "./smoke.mjs";

/** Runs the smoke against the mock servers' URLs; resolves with a SmokeResult. */
export const run = (urls) => runSmoke(api, urls);

/** The line the driver reads from a launcher's output. */
export const resultLine = (result) => `SMOKE ${JSON.stringify(result)}`;
