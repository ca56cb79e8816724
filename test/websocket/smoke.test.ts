import { afterEach, describe, expect, it } from "vitest";
import { createClient, type ResponseEvent, type ResponseItem } from "../../src/index.js";
import { connectResponses } from "../../src/websocket/index.js";
import { outputItem, startWsServer, type WsTestServer } from "../helpers/ws-server.js";

const servers: WsTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const user = (text: string) =>
  ({ type: "message", role: "user", content: [{ type: "input_text", text }] }) as ResponseItem;

describe("smoke", () => {
  it("two turns, second incremental", async () => {
    const server = await startWsServer({ upgradeHeaders: () => ({ "x-models-etag": "e1" }) });
    servers.push(server);
    const client = createClient({ provider: { baseUrl: `${server.url}/v1` }, auth: "tok" });
    const socket = connectResponses(client);
    const s1 = await socket.stream({ model: "m", input: [user("a")] });
    const e1: ResponseEvent[] = [];
    for await (const e of s1) e1.push(e);
    console.log(e1);
    const s2 = await socket.stream({
      model: "m",
      input: [user("a"), outputItem("resp_0_0") as ResponseItem, user("b")],
    });
    const r = await s2.collect();
    console.log(r, server.frames, server.handshakes.length);
    expect(server.frames[1]!.frame["previous_response_id"]).toBe("resp_0_0");
    await socket.close();
  });
});
