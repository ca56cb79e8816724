// Starts bench/server.ts in its own process (so it does not share the client's event loop), and the
// small helpers every bench shares.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A running bench server: its base URL, the size of its stream reply, and the process. */
export interface BenchServer {
  url: string;
  bytes: number;
  events: number;
  child: ChildProcess;
}

/** Starts a server whose `/responses` streams `mib` MiB of realistic events. */
export async function startBenchServer(mib: number): Promise<BenchServer> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, MB: String(mib) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once("line", resolve),
  );
  const info = JSON.parse(line) as { port: number; bytes: number; events: number };
  return { url: `http://127.0.0.1:${info.port}/v1`, bytes: info.bytes, events: info.events, child };
}

/** The request every stream consumer sends. */
export const request = { model: "bench", input: [] };

/** POST /responses with plain fetch. */
export const post = (url: string) =>
  fetch(`${url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(request),
  });

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
