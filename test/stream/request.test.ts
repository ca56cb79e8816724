// What client.responses.stream() sends: the body with its defaults and no nulls, item ids per
// provider, the documented headers, turn state, compression, and refusals before sending.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as zlib from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import {
  InvalidRequestError,
  VERSION,
  type ProviderConfig,
  type ResponseItem,
  type ResponseStream,
  type ResponsesOptions,
  type ResponsesRequest,
} from "../../src/index.js";
import { REQUEST, clientFor } from "../helpers/calls.js";
import { drain, completedFrame, expectError, streamKit } from "./kit.js";

const { serve } = streamKit();

type Json = Record<string, unknown>;

describe("request", () => {
  const PKG_VERSION = (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    }
  ).version;

  /** Sends one request against a server that completes at once; returns what the server saw. */
  async function send(
    request: ResponsesRequest,
    options: ResponsesOptions = {},
    provider: Partial<ProviderConfig> = {},
    replyHeaders: Record<string, string> = {},
  ) {
    const server = await serve({ headers: replyHeaders, chunks: [completedFrame()] });
    const stream = await clientFor(server, provider).responses.stream(request, options);
    const { error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(server.requests).toHaveLength(1);
    return server.requests[0]!;
  }

  it("posts to /responses with the defaults filled in and no nulls", async () => {
    const seen = await send(REQUEST);
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/backend-api/codex/responses");
    expect(seen.json()).toEqual({
      model: "gpt-test",
      instructions: "",
      input: REQUEST.input,
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      store: false,
      stream: true,
      include: [],
    });
    expect(seen.text()).not.toContain("null");
  });

  it("asks for encrypted reasoning when reasoning is set", async () => {
    const seen = await send({ ...REQUEST, reasoning: { effort: "high", summary: "auto" } });
    expect(seen.json()).toMatchObject({
      reasoning: { effort: "high", summary: "auto" },
      include: ["reasoning.encrypted_content"],
    });
  });

  it("omits absent optionals instead of sending null", async () => {
    const seen = await send({
      ...REQUEST,
      reasoning: undefined,
      prompt_cache_key: undefined,
      text: undefined,
      service_tier: undefined,
    } as ResponsesRequest);
    const body = seen.json() as Json;
    for (const key of ["reasoning", "prompt_cache_key", "text", "service_tier"]) {
      expect(body).not.toHaveProperty(key);
    }
    expect(seen.text()).not.toContain("null");
  });

  const WITH_IDS = [
    { type: "message", id: "msg_1", role: "user", content: [{ type: "input_text", text: "hi" }] },
    { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "enc" },
    { type: "function_call", id: "fc_1", call_id: "call_1", name: "f", arguments: "{}" },
    { type: "function_call_output", call_id: "call_1", output: "ok" },
  ] as unknown as ResponseItem[];

  it("strips input item ids (not call_id) for a non-Azure provider", async () => {
    const seen = await send({ ...REQUEST, input: WITH_IDS });
    const body = seen.json() as { input: Json[]; store: boolean };
    expect(body.store).toBe(false);
    expect(body.input.map((i) => i["id"])).toEqual([undefined, undefined, undefined, undefined]);
    expect(body.input[2]).toMatchObject({ call_id: "call_1", name: "f" });
    expect(body.input[3]).toEqual({
      type: "function_call_output",
      call_id: "call_1",
      output: "ok",
    });
  });

  it("keeps ids and sends store: true for Azure (name azure)", async () => {
    const seen = await send({ ...REQUEST, input: WITH_IDS }, {}, { name: "azure" });
    const body = seen.json() as { input: Json[]; store: boolean };
    expect(body.store).toBe(true);
    expect(body.input).toEqual(WITH_IDS);
  });

  it("sends the documented headers, Authorization last and no OpenAI-Beta", async () => {
    const seen = await send(
      REQUEST,
      {
        conversationId: "conv-1",
        sessionSource: "codex_cli_rs",
        subagent: "review",
        turnState: { value: "ts-0" },
        headers: { "x-test-header": "present", Authorization: "Bearer evil" },
      },
      { headers: { "x-provider": "p", originator: "overridden" } },
    );
    const h = seen.headers;
    expect(h["session_id"]).toBe("conv-1");
    expect(h["originator"]).toBe("codex_cli_rs");
    expect(h["x-openai-subagent"]).toBe("review");
    expect(h["x-codex-turn-state"]).toBe("ts-0");
    expect(h["x-test-header"]).toBe("present");
    expect(h["x-provider"]).toBe("p");
    expect(h["user-agent"]).toBe(`codex-api-ts/${PKG_VERSION}`);
    expect(VERSION).toBe(PKG_VERSION);
    expect(h["accept"]).toBe("text/event-stream");
    expect(h["content-type"]).toBe("application/json");
    expect(h["authorization"]).toBe("Bearer tok-1");
    expect(h["openai-beta"]).toBeUndefined();
    expect(h["content-encoding"]).toBeUndefined();
  });

  it("sends no optional headers when the options are absent", async () => {
    const h = (await send(REQUEST)).headers;
    for (const name of ["session_id", "originator", "x-openai-subagent", "x-codex-turn-state"]) {
      expect(h[name]).toBeUndefined();
    }
  });

  it("captures x-codex-turn-state from the reply only while empty, and sends it", async () => {
    const turn: { value?: string } = {};
    const first = await send(REQUEST, { turnState: turn }, {}, { "x-codex-turn-state": "ts-1" });
    expect(first.headers["x-codex-turn-state"]).toBeUndefined();
    expect(turn.value).toBe("ts-1");
    const second = await send(REQUEST, { turnState: turn }, {}, { "x-codex-turn-state": "ts-2" });
    expect(second.headers["x-codex-turn-state"]).toBe("ts-1");
    expect(turn.value).toBe("ts-1");
    const nextTurn = await send(REQUEST, { turnState: {} });
    expect(nextTurn.headers["x-codex-turn-state"]).toBeUndefined();
  });

  it("gzip compression: the server gunzips the same JSON", async () => {
    const request = { ...REQUEST, instructions: "be brief ✓" };
    const plain = await send(request);
    const gz = await send(request, { compression: "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(JSON.parse(gunzipSync(gz.raw).toString("utf8"))).toEqual(plain.json());
  });

  const HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function";

  it.skipIf(HAS_ZSTD)("zstd without a zstd encoder rejects before sending", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const error = await clientFor(server)
      .responses.stream(REQUEST, { compression: "zstd" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(expectError(error, InvalidRequestError).message).toContain("zstd");
    expect(server.requests).toHaveLength(0);
  });

  it("gzip without CompressionStream (edge-runtime) rejects before sending", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    vi.stubGlobal("CompressionStream", undefined);
    const error = await clientFor(server)
      .responses.stream(REQUEST, { compression: "gzip" })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => vi.unstubAllGlobals());
    expect(expectError(error, InvalidRequestError).message).toContain("CompressionStream");
    expect(server.requests).toHaveLength(0);
  });

  it.runIf(HAS_ZSTD)("zstd compression sends a zstd body", async () => {
    const gz = await send(REQUEST, { compression: "zstd" });
    expect(gz.headers["content-encoding"]).toBe("zstd");
  });

  it.each([
    ["an extra header", { headers: { "x-evil": "a\r\nInjected: 1" } }],
    ["the conversation id", { conversationId: "conv\n1" }],
    ["the turn state", { turnState: { value: "ts\r" } }],
  ] as [string, ResponsesOptions][])(
    "a CR/LF in %s rejects with InvalidRequestError and sends nothing",
    async (_, options) => {
      const server = await serve({ chunks: [completedFrame()] });
      const client = clientFor(server);
      let result: Promise<ResponseStream> | undefined;
      expect(() => {
        result = client.responses.stream(REQUEST, options);
      }).not.toThrow();
      await expect(result).rejects.toBeInstanceOf(InvalidRequestError);
      expect(server.requests).toHaveLength(0);
      expect(server.openSockets()).toBe(0);
      expect(server.openRequestSockets()).toBe(0);
    },
  );

  it("a CR/LF in a provider header or the auth token makes createClient throw InvalidRequestError", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    expect(() => clientFor(server, { headers: { "x-p": "a\nb" } })).toThrow(InvalidRequestError);
    expect(() => clientFor(server, {}, { auth: "tok\r\nX: y" })).toThrow(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
  });

  it("stream() never throws synchronously, even for a nonsense request", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const client = clientFor(server);
    let result: Promise<ResponseStream> | undefined;
    expect(() => {
      result = client.responses.stream(null as unknown as ResponsesRequest);
    }).not.toThrow();
    await expect(result).rejects.toBeDefined();
    expect(server.requests).toHaveLength(0);
  });
});
