// The stored-response operations of `client.responses` besides `stream`: GET and DELETE
// /responses/{id}, POST /responses/{id}/cancel, POST /responses/input_tokens (README "Stored
// responses"). Each is one JSON call under the transport policy, its reply checked for its shape.
// Loaded on first use (./on-first-use.ts).
import type { DeletedResponse, ResponseObject, TokenCountsBody } from "../generated/openapi.js";
import {
  cancelResponse,
  countInputTokens,
  deleteResponse,
  getResponse,
} from "../generated/client.js";
import { InvalidRequestError } from "../errors/catalogue.js";
import { isAzureResponsesEndpoint } from "../provider.js";
import { isObject } from "../util.js";
import type { Endpoints } from "./context.js";
import { expectShape, jsonCall, withReply, type CallOptions, type JsonCall } from "./json-reply.js";
import { checkResponseId } from "./response-id.js";
import { itemsAsSent, type ResponsesRequest } from "./responses.js";

export type { DeletedResponse, ResponseObject, TokenCountsBody };

/** The options of `retrieve` (and of `inputItems`): `include` is sent as one `include=` per value. */
export interface RetrieveOptions extends CallOptions {
  /** Extra fields to include (for example `reasoning.encrypted_content`); default: none. */
  include?: string[];
}

/** What `inputTokens` takes: a Responses request (only the fields that count are sent). */
export type InputTokensRequest = ResponsesRequest | TokenCountsBody;

/** What `inputTokens` resolves with. */
export interface InputTokens {
  /** `input_tokens` of the reply. */
  inputTokens: number;
}

/** The fields of the token-count body: the only ones of a request `inputTokens` sends. */
const TOKEN_COUNT_FIELDS = [
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning",
  "text",
  "truncation",
  "previous_response_id",
  "conversation",
  "personality",
] as const;

/** The rule of `include`: an array of strings. */
export const INCLUDE_RULE: [(v: unknown) => boolean, string] = [
  (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  "an array of strings",
];

/** True for a Response object as the service sends it: at least a string `id`. */
const isResponse = (v: unknown): boolean => isObject(v) && typeof v["id"] === "string";

/** The body of POST /responses/input_tokens: the request's token-count fields that are set. */
function tokenCountBody(request: InputTokensRequest, azure: boolean): TokenCountsBody {
  const body: Record<string, unknown> = {};
  for (const key of TOKEN_COUNT_FIELDS) {
    const value = (request as Record<string, unknown>)[key];
    if (value !== undefined) body[key] = value;
  }
  if (Array.isArray(body["input"])) body["input"] = itemsAsSent(body["input"], azure);
  return body as TokenCountsBody;
}

/** `retrieve`, `cancel`, `delete` and `inputTokens` of `client.responses` (each a `JsonCall`). */
export function storedResponses(endpoints: Endpoints) {
  const { scrubber } = endpoints;
  return {
    /** GET /responses/{id}: the stored Response, in wire shape. */
    retrieve(id: string, options?: RetrieveOptions): JsonCall<ResponseObject> {
      return withReply(async () => {
        checkResponseId(id, "responses.retrieve");
        const where = "responses.retrieve";
        const call = jsonCall(endpoints, "retrieve", where, options, { include: INCLUDE_RULE });
        const { data, response } = await getResponse(call.send, {
          ...call.init,
          path: { response_id: id },
          query: { include: call.options.include },
        });
        expectShape(isResponse(data), { what: "retrieve", data, response, scrubber });
        return { data, response };
      });
    },

    /** POST /responses/{id}/cancel: stops a background response; resolves with the Response. */
    cancel(id: string, options?: CallOptions): JsonCall<ResponseObject> {
      return withReply(async () => {
        checkResponseId(id, "responses.cancel");
        const { send, init } = jsonCall(endpoints, "cancel", "responses.cancel", options);
        const { data, response } = await cancelResponse(send, {
          ...init,
          path: { response_id: id },
        });
        expectShape(isResponse(data), { what: "cancel", data, response, scrubber });
        return { data, response };
      });
    },

    /** DELETE /responses/{id}: resolves with the wire object `{ id, object, deleted }`. */
    delete(id: string, options?: CallOptions): JsonCall<DeletedResponse> {
      return withReply(async () => {
        checkResponseId(id, "responses.delete");
        const { send, init } = jsonCall(endpoints, "delete", "responses.delete", options);
        const { data, response } = await deleteResponse(send, {
          ...init,
          path: { response_id: id },
        });
        const ok = isResponse(data) && typeof data.deleted === "boolean";
        expectShape(ok, { what: "delete", data, response, scrubber });
        return { data, response };
      });
    },

    /** POST /responses/input_tokens: how many input tokens `request` would use. */
    inputTokens(request: InputTokensRequest, options?: CallOptions): JsonCall<InputTokens> {
      return withReply(async () => {
        if (!isObject(request)) {
          throw new InvalidRequestError("responses.inputTokens: the request must be an object", {
            param: "request",
            code: "invalid_option",
          });
        }
        const azure = isAzureResponsesEndpoint(endpoints.provider);
        const { send, init } = jsonCall(endpoints, "inputTokens", "responses.inputTokens", options);
        const { data, response } = await countInputTokens(
          send,
          tokenCountBody(request, azure),
          init,
        );
        const count = isObject(data) ? data.input_tokens : undefined;
        const ok = Number.isSafeInteger(count) && count! >= 0;
        expectShape(ok, { what: "inputTokens", data, response, scrubber });
        return { data: { inputTokens: count! }, response };
      });
    },
  };
}
