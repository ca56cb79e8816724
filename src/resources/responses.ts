// POST /responses: builds the wire request from a typed one, sends it through the transport, and
// hands the 2xx reply to the SSE stream reader.
import type { ResponseItem, ResponsesApiRequest } from "../generated/openapi.js";
import { createResponse } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { mergeHeaders } from "../transport/headers.js";
import {
  callHeaders,
  checkBackground,
  maxResumesOf,
  RESPONSES_RULES,
  RESUME_RULES,
  type ResponsesOptions,
  type ResumeStreamOptions,
  type StreamRelease,
} from "./responses-options.js";
import { checkResponseId } from "./response-id.js";
import { isAzureResponsesEndpoint } from "../provider.js";
import { openResponseStream, type ResponseStream } from "../stream/response-stream.js";
import { checkCall, checkInput, inputItems } from "./call-options.js";
import { loadOnce } from "../load.js";

export {
  callHeaders,
  type ResponsesOptions,
  type ResumeStreamOptions,
  type TurnState,
} from "./responses-options.js";

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

/** Checks a Responses request and its options (README "Options"); returns the options, checked. */
export function checkResponsesCall(where: string, request: unknown, options?: ResponsesOptions) {
  checkInput(where, request);
  const checked = checkCall(where, options, RESPONSES_RULES);
  maxResumesOf(where, checked);
  return checked;
}

/** Checks the options of a call that sends no request (a socket's `preconnect`). */
export function checkResponsesOptions(where: string, options?: ResponsesOptions) {
  return checkCall(where, options, RESPONSES_RULES);
}

/** `client.responses`: POST /responses, streamed. */
export interface ResponsesResource {
  /** Sends the request; resolves once the reply's headers arrived (request errors reject here). */
  stream(request: ResponsesRequest, options?: ResponsesOptions): Promise<ResponseStream>;
  /**
   * Continues a stored (background) response's stream after `startingAfter`: GET
   * /responses/{id}?stream=true, a ResponseStream that itself resumes on a drop (README
   * "Background streams and resume"). Resolves once the reply's headers arrived.
   */
  resume(id: string, options?: ResumeStreamOptions): Promise<ResponseStream>;
}

/** Checked options of a Responses call (`headers` a plain object). */
export type CheckedResponsesOptions = ReturnType<typeof checkResponsesCall>;

/** How a reply of a Responses call is read: the client's limits and hooks, the call's signal. */
export function streamOptions(endpoints: Endpoints, options: ResponsesOptions & StreamRelease) {
  return {
    idleTimeoutMs: endpoints.streamIdleTimeoutMs,
    maxEventBytes: endpoints.maxEventBytes,
    scrubber: endpoints.scrubber,
    includeRawEvents: options.includeRawEvents,
    telemetry: endpoints.telemetry,
    logger: endpoints.logger,
    signal: options.signal,
    onRelease: options.onRelease,
  };
}

// Background streams, `cancelOnAbort` and `resume` run ./background.ts, loaded on first use.
const loadBackground = loadOnce("background streams", () => import("./background.js"));

/** Builds `client.responses`. */
export function responsesResource(endpoints: Endpoints): ResponsesResource {
  return {
    /** Sends the request; resolves once the reply's headers arrived (request errors reject here). */
    stream: async (request, given) =>
      sendResponses(endpoints, request, checkResponsesCall("responses.stream", request, given)),

    /** Checks the id and options when called (a caller's edit meanwhile changes nothing), then loads. */
    async resume(id: string, given?: ResumeStreamOptions): Promise<ResponseStream> {
      checkResponseId(id, "responses.resume");
      const options = checkCall("responses.resume", given, RESUME_RULES);
      const maxResumes = maxResumesOf("responses.resume", options);
      return (await loadBackground()).resume(endpoints, id, options, maxResumes);
    },
  };
}

/**
 * POST /responses with options already checked: `client.responses.stream`, and a socket's requests
 * once it uses HTTP (`options.onRelease`: see `StreamRelease`).
 */
export async function sendResponses(
  endpoints: Endpoints,
  request: ResponsesRequest,
  options: CheckedResponsesOptions & StreamRelease,
): Promise<ResponseStream> {
  const { provider } = endpoints;
  const azure = isAzureResponsesEndpoint(provider);
  checkBackground("responses.stream", request, azure);
  const body = buildResponsesBody(request, azure);
  const headers = mergeHeaders(
    provider.headers,
    { ...callHeaders(options), Accept: "text/event-stream" },
    options.headers,
  );
  const send = endpoints.transport.sender("responses", options);
  const maxResumes = maxResumesOf("", options);
  let sent = body;
  const loading = request.background === true || options.cancelOnAbort;
  // Loaded before sending (a failed load leaves no background response running unread), after
  // the headers, the resume count and the body were read: a caller's edit meanwhile changes
  // nothing (a body JSON cannot write is left for the transport to refuse).
  if (loading) {
    try {
      sent = JSON.parse(JSON.stringify(body)) as typeof body;
    } catch {}
  }
  const background = loading ? await loadBackground() : undefined;
  const { response } = await createResponse(send, sent, { headers, signal: options.signal });
  const turnState = response.headers.get("x-codex-turn-state");
  if (options.turnState && !options.turnState.value && turnState) {
    options.turnState.value = turnState;
  }
  if (background) {
    const first = { response, resumable: request.background === true };
    return background.backgroundStream(endpoints, first, options, maxResumes);
  }
  return openResponseStream(response, streamOptions(endpoints, options));
}
