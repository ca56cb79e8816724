// `.withResponse()` on the JSON calls: the result plus the reply's request id, headers and rate limits.
import { afterEach, describe, expect, it } from "vitest";
import { createClient, ServerError } from "../../src/index.js";
import { startMockServer, type MockScript, type MockServer } from "../../src/testing/index.js";
import { rejection } from "../helpers/calls.js";

let mock: MockServer | undefined;
afterEach(() => mock?.close());

async function clientOf(script: MockScript) {
  mock = await startMockServer(script);
  const provider = { baseUrl: `${mock.url}/v1`, retry: { maxAttempts: 1 } };
  return createClient({ provider, auth: "tok" });
}

const LIMITS = { "x-codex-primary-used-percent": "5", "x-codex-primary-window-minutes": "60" };

describe("withResponse()", () => {
  it("gives compact, memories and models results with their reply's metadata", async () => {
    const client = await clientOf({ compact: { headers: LIMITS } });
    const compact = await client.compact
      .compactInput({ model: "m", input: [], instructions: "" })
      .withResponse();
    expect(compact.data).toEqual([{ type: "compaction", encrypted_content: "mock-compacted-0" }]);
    expect(compact.requestId).toBe("req_1");
    expect(compact.headers.get("content-type")).toBe("application/json");
    expect(compact.rateLimits).toEqual({ primary: { usedPercent: 5, windowMinutes: 60 } });

    const memories = await client.memories
      .summarizeInput({ model: "m", rawMemories: [] })
      .withResponse();
    expect(memories).toMatchObject({ data: [], requestId: "req_2", rateLimits: undefined });
    const models = await client.models.list().withResponse();
    expect(models.data.etag).toBe('"mock-models-1"');
    expect(models.requestId).toBe("req_3");
    // Awaited directly, the call still gives the result alone.
    expect((await client.models.list()).models).toHaveLength(2);
  });

  it("rejects with the call's error, reported once (no unhandled rejection)", async () => {
    const client = await clientOf({ compact: { status: 503 } });
    const error = await rejection(
      client.compact.compactInput({ model: "m", input: [], instructions: "" }).withResponse(),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.requestId).toBe("req_1");
  });
});
