// `npm run bench -- profile`: where the stream pipeline spends its time. The async-iterator floor
// and the project (the built package when there is one) stream the same 20 MiB reply in turns,
// under the V8 profiler; printed: the top self-time entries of each side (functions of the
// bench's own floor, of eventsource-parser and of the project's stream/ folder).
import { existsSync } from "node:fs";
import { Session, type Profiler } from "node:inspector/promises";
import { createClient as createFromSource } from "../src/index.js";
import { startBenchServer } from "./server-process.js";
import { DIST, iteratorFloor, project, type CreateClient } from "./stream.js";

const TURNS = 12;
// The frames that are each side's own work (the rest, as GC and decoding, both share).
const PROJECT = /^projectStream |(src|dist)\/stream\//;
const FLOOR = /bench\/stream|eventsource-parser/;

/** Self time per function (ms) of a profile, keyed `name file:line`. */
function selfTimes(profile: Profiler.Profile): Map<string, number> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples!.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const key = `${functionName || "(anonymous)"} ${url.split("/").slice(-3).join("/")}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas![i]! / 1000);
  });
  return self;
}

function report(title: string, rows: [string, number][]): void {
  rows.sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  console.log(
    `\n### ${title}: ${total.toFixed(0)} ms self time\n| ms | function |\n| ---: | --- |`,
  );
  for (const [key, ms] of rows.slice(0, 10)) console.log(`| ${ms.toFixed(0)} | ${key} |`);
}

export async function profileBench(): Promise<void> {
  const built = existsSync(DIST)
    ? ((await import(DIST.href)) as { createClient: CreateClient }).createClient
    : createFromSource;
  const server = await startBenchServer(20);
  const stream = project(built, false);
  await iteratorFloor(server.url);
  await stream(server.url);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  for (let i = 0; i < TURNS; i++) {
    await iteratorFloor(server.url);
    await stream(server.url);
  }
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  server.child.kill();
  const self = selfTimes(profile);
  console.log(`\n## Stream pipeline profile: 20 MiB × ${TURNS} turns each`);
  const ours = [...self].filter(([key]) => PROJECT.test(key));
  const floor = [...self].filter(([key]) => !PROJECT.test(key) && FLOOR.test(key));
  report("async-iterator floor (eventsource-parser + JSON.parse)", floor);
  report(`codex-api (${built === createFromSource ? "src" : "dist"})`, ours);
  const gcMs = self.get("(garbage collector) :0") ?? 0;
  console.log(`\nshared: garbage collector ${gcMs.toFixed(0)} ms`);
}
