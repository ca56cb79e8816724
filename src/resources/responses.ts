// POST /responses: builds the wire request from a typed one, sends it through the transport, and
// hands the 2xx reply to the SSE stream reader.
import type { ResponseItem, ResponsesApiRequest } from "../generated/openapi.js";
import { createResponse } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { mergeHeaders, USER_AGENT } from "../transport/headers.js";
import type { Compression } from "../transport/compress.js";
import { FLAG_RULE, type OptionRules } from "../option-checks.js";
import { isAzureResponsesEndpoint } from "../provider.js";
import { openResponseStream, type ResponseStream } from "../stream/response-stream.js";
import { isObject } from "../util.js";
import {
  checkCall,
  checkInput,
  inputItems,
  STRING_RULE,
  type CallOptions,
} from "./call-options.js";

/**
 * A Responses request: the wire fields, with the ones that have an obvious default optional;
 * `input` may be a string, sent as one user message.
 */
export type ResponsesRequest = Omit<
  ResponsesApiRequest,
  | "input"
  | "instructions"
  | "tools"
  | "tool_choice"
  | "parallel_tool_calls"
  | "store"
  | "stream"
  | "include"
> & { input: ResponseItem[] | string } & Partial<
    Pick<
      ResponsesApiRequest,
      "instructions" | "tools" | "tool_choice" | "parallel_tool_calls" | "store" | "include"
    >
  > & { stream?: true };

/** A set-once holder for the sticky-routing token of one turn (`x-codex-turn-state`). */
export interface TurnState {
  value?: string;
}

/** The options of `client.responses.stream(request, options)` (with `headers`, `signal`, `requestTimeoutMs`, `retry`). */
export interface ResponsesOptions extends CallOptions {
  /** Sent as `session_id`. */
  conversationId?: string;
  /** Sent verbatim as `originator`. */
  sessionSource?: string;
  /** Sent verbatim as `x-openai-subagent`. */
  subagent?: string;
  /** How the request body is compressed (default "none"). */
  compression?: Compression;
  /** Its `value` is sent as `x-codex-turn-state`, and filled from the reply while empty. */
  turnState?: TurnState;
  /** Yield payload types the event table does not map as `{type: "raw", event}`. */
  includeRawEvents?: boolean;
}

// Item types whose `id` only Azure (store: true) keeps on input; elsewhere it is not sent.
const ITEM_TYPES_WITH_ID = new Set([
  "message",
  "reasoning",
  "function_call",
  "custom_tool_call",
  "local_shell_call",
  "web_search_call",
  "compaction",
]);

function withoutId(item: ResponseItem): ResponseItem {
  if (!ITEM_TYPES_WITH_ID.has(item.type) || !("id" in item)) return item;
  const { id: _id, ...rest } = item as ResponseItem & { id?: string };
  return rest as ResponseItem;
}

/** Items as a request sends them: without their `id` except on Azure (see `buildResponsesBody`). */
export function itemsAsSent(items: ResponseItem[], azure: boolean): ResponseItem[] {
  return azure ? items : items.map(withoutId);
}

/** The per-call headers of a Responses request (the options' own; the caller's `headers` go on top). */
export function callHeaders(options: ResponsesOptions): Record<string, string | undefined> {
  return {
    session_id: options.conversationId,
    originator: options.sessionSource,
    "x-openai-subagent": options.subagent,
    "x-codex-turn-state": options.turnState?.value,
    "User-Agent": USER_AGENT,
  };
}

/** The JSON body: defaults filled in, Azure's `store`/ids rule applied, absent optionals left out. */
export function buildResponsesBody(request: ResponsesRequest, azure: boolean): ResponsesApiRequest {
  const reasoning = request.reasoning;
  return {
    ...request,
    instructions: request.instructions ?? "",
    input: itemsAsSent(inputItems(request.input), azure),
    tools: request.tools ?? [],
    tool_choice: request.tool_choice ?? "auto",
    parallel_tool_calls: request.parallel_tool_calls ?? false,
    store: azure ? true : (request.store ?? false),
    stream: true,
    include: request.include ?? (reasoning ? ["reasoning.encrypted_content"] : []),
  };
}

/** An object whose `value` the reply's turn state can be written to (not frozen, not a getter). */
function canHoldTurnState(v: unknown): boolean {
  if (!isObject(v)) return false;
  const own = Object.getOwnPropertyDescriptor(v, "value");
  // A frozen holder that already has its value is never written to.
  if (own && typeof own.value === "string" && own.value !== "") return true;
  if (own) return own.writable === true || own.set !== undefined;
  return Object.isExtensible(v);
}

const RESPONSES_RULES: OptionRules = {
  conversationId: STRING_RULE,
  sessionSource: STRING_RULE,
  subagent: STRING_RULE,
  compression: STRING_RULE, // the mode is checked where it is applied (it may be quoted there)
  turnState: [canHoldTurnState, "a writable object such as { value: undefined }"],
  includeRawEvents: FLAG_RULE,
};

/** Checks a Responses request and its options (README "Options"); returns the options, checked. */
export function checkResponsesCall(where: string, request: unknown, options?: ResponsesOptions) {
  checkInput(where, request);
  return checkCall(where, options, RESPONSES_RULES);
}

/** Checks the options of a call that sends no request (a socket's `preconnect`). */
export function checkResponsesOptions(where: string, options?: ResponsesOptions) {
  return checkCall(where, options, RESPONSES_RULES);
}

/** `client.responses`: POST /responses, streamed. */
export interface ResponsesResource {
  /** Sends the request; resolves once the reply's headers arrived (request errors reject here). */
  stream(request: ResponsesRequest, options?: ResponsesOptions): Promise<ResponseStream>;
}

/** How a reply of a Responses call is read: the client's limits and hooks, the call's signal. */
export function streamOptions(endpoints: Endpoints, options: ResponsesOptions) {
  return {
    idleTimeoutMs: endpoints.streamIdleTimeoutMs,
    maxEventBytes: endpoints.maxEventBytes,
    scrubber: endpoints.scrubber,
    includeRawEvents: options.includeRawEvents,
    telemetry: endpoints.telemetry,
    logger: endpoints.logger,
    signal: options.signal,
  };
}

/** Builds `client.responses`. */
export function responsesResource(endpoints: Endpoints): ResponsesResource {
  return {
    /** Sends the request; resolves once the reply's headers arrived (request errors reject here). */
    async stream(request: ResponsesRequest, given?: ResponsesOptions): Promise<ResponseStream> {
      const options = checkResponsesCall("responses.stream", request, given);
      const { provider } = endpoints;
      const body = buildResponsesBody(request, isAzureResponsesEndpoint(provider));
      const headers = mergeHeaders(
        provider.headers,
        { ...callHeaders(options), Accept: "text/event-stream" },
        options.headers,
      );
      const send = endpoints.transport.sender("responses", options);
      const { response } = await createResponse(send, body, { headers, signal: options.signal });
      const turnState = response.headers.get("x-codex-turn-state");
      if (options.turnState && !options.turnState.value && turnState) {
        options.turnState.value = turnState;
      }
      return openResponseStream(response, streamOptions(endpoints, options));
    },
  };
}
