// A process that uses the client the way a script does, then simply returns from its last line:
// test/transport/exit.test.ts checks that it exits at once (nothing the client started holds it).
// Usage: tsx test/helpers/exit-child.ts <scenario> <mock server url>; prints "done" when finished.
import { createClient } from "../../src/index.js";
import { connectResponses } from "../../src/websocket/index.js";

const [scenario, url] = process.argv.slice(2);
const client = createClient({ provider: { baseUrl: `${url}/v1` }, auth: null });
const request = { model: "gpt-test", input: "Hi" };

const scenarios: Record<string, () => Promise<unknown>> = {
  /** Received, never read; its body ends meanwhile (the mock sends it whole). */
  async "unread-stream"() {
    await client.responses.stream(request);
    await new Promise((r) => setTimeout(r, 300));
  },
  /** A call that failed its argument check (the signal is not an AbortSignal). */
  async "bad-signal"() {
    await client.responses.stream(request, { signal: "yes" as never }).catch(() => undefined);
  },
  /** Finished calls: a stream collected, a JSON call, an aborted stream. */
  async finished() {
    await (await client.responses.stream(request)).collect();
    await client.models.list();
    const controller = new AbortController();
    const stream = await client.responses.stream(request, { signal: controller.signal });
    controller.abort();
    await stream.collect().catch(() => undefined);
  },
  /** A socket whose stream was read to its end, then closed. */
  async socket() {
    const socket = connectResponses(client);
    await (await socket.stream(request)).collect();
    await socket.close();
  },
  /** A socket whose stream was read to its end, never closed: its idle connection does not hold. */
  async "socket-unclosed"() {
    const socket = connectResponses(client);
    await (await socket.stream(request)).collect();
  },
  /** A socket's stream received, never read (the mock sends it whole), the socket never closed. */
  async "socket-unread"() {
    await connectResponses(client).stream(request);
    await new Promise((r) => setTimeout(r, 300));
  },
  /** A socket opened by preconnect() and never used nor closed. */
  async "socket-preconnected"() {
    await connectResponses(client).preconnect();
  },
};

await scenarios[scenario!]!();
process.stdout.write("done\n");
