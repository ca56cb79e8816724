// SSE message -> ResponseEvent (README "Events"). The event kind is the JSON payload's `type`; the
// `event:` line is only a hint. Failures inside the stream become the mapped error classes.
import type { ResponseItem } from "../generated/openapi.js";
import { StreamError, type ErrorDetails } from "../errors/catalogue.js";
import { isErrorFrame } from "../errors/map.js";
import { isObject } from "../util.js";
import {
  isEmptySnapshot,
  rateLimitsOf,
  rateLimitsFromEvent,
  type RateLimitSnapshot,
} from "../rate-limits.js";

/** Token counts of a completed response (missing details count 0). */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  totalTokens: number;
}

/** What iterating a ResponseStream yields. Items keep their wire shape. */
export type ResponseEvent =
  | { type: "rateLimits"; snapshot: RateLimitSnapshot }
  | { type: "modelsEtag"; etag: string }
  | { type: "serverReasoningIncluded"; included: true }
  | { type: "serverModel"; model: string }
  | { type: "created" }
  | { type: "outputItemAdded"; item: ResponseItem }
  | { type: "outputItemDone"; item: ResponseItem }
  | { type: "outputTextDelta"; delta: string }
  | { type: "reasoningSummaryDelta"; delta: string; summaryIndex: number }
  | { type: "reasoningContentDelta"; delta: string; contentIndex: number }
  | { type: "reasoningSummaryPartAdded"; summaryIndex: number }
  | { type: "functionCallArgumentsDelta"; itemId: string; outputIndex: number; delta: string }
  | { type: "functionCallArgumentsDone"; itemId: string; outputIndex: number; arguments: string }
  | { type: "completed"; responseId: string; tokenUsage?: TokenUsage }
  | { type: "raw"; event: Record<string, unknown> };

/** The events a 2xx reply's headers stand for, in the order the README's events table gives. */
export function headerEvents(headers: Headers, models: Set<string>): ResponseEvent[] {
  const events: ResponseEvent[] = [];
  const snapshot = rateLimitsOf(headers);
  if (snapshot) events.push({ type: "rateLimits", snapshot });
  const etag = headers.get("x-models-etag");
  if (etag !== null) events.push({ type: "modelsEtag", etag });
  if (headers.has("x-reasoning-included")) {
    events.push({ type: "serverReasoningIncluded", included: true });
  }
  const model = serverModel(headers.get("openai-model") ?? undefined, models);
  if (model) events.push(model);
  return events;
}

/** A `serverModel` event for a model not seen before in this stream, else undefined. */
function serverModel(model: string | undefined, models: Set<string>): ResponseEvent | undefined {
  if (!model || models.has(model)) return undefined;
  models.add(model);
  return { type: "serverModel", model };
}

/** `response.headers` inside `response.created`: its `OpenAI-Model`, in any case. */
function modelOfCreated(payload: Record<string, unknown>): string | undefined {
  const response = payload["response"];
  const headers = isObject(response) ? response["headers"] : undefined;
  if (!isObject(headers)) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === "openai-model" && typeof value === "string") return value;
  }
  return undefined;
}

// Marks an error frame whose payload was not an `error` event object; the payload is kept under it.
/**
 * A failure the server reported in the stream (`response.failed`, an `error` event,
 * `response.incomplete`): thrown by `mapPayload`, turned into its error class by
 * src/errors/reported.ts, which the reader loads when the first one arrives.
 */
export class Reported {
  readonly type: string;
  readonly payload: unknown;
  readonly details: ErrorDetails;
  constructor(type: string, payload: unknown, details: ErrorDetails) {
    this.type = type;
    this.payload = payload;
    this.details = details;
  }
}

const FRAME = Symbol("error frame");

/** Where a payload came from, for error messages and error details, and the stream's state. */
export interface PayloadContext {
  byteOffset: number;
  details: ErrorDetails;
  includeRawEvents: boolean;
  /** Models already announced by a `serverModel` event in this stream. */
  models: Set<string>;
  /** Events to yield after the one returned (a `created` after its `serverModel`). */
  pending: ResponseEvent[];
}

function malformed(type: string, what: string, ctx: PayloadContext): StreamError {
  return new StreamError(`${type} event at byte ${ctx.byteOffset}: ${what}`, ctx.details);
}

function field<T>(
  payload: Record<string, unknown>,
  name: string,
  kind: "string" | "integer" | "object",
  ctx: PayloadContext,
): T {
  const v = payload[name];
  const ok =
    kind === "integer"
      ? Number.isSafeInteger(v)
      : kind === "object"
        ? isObject(v)
        : typeof v === kind;
  if (!ok) {
    throw malformed(
      String(payload["type"]),
      `\`${name}\` must be ${kind === "integer" ? "an integer" : `a ${kind}`}`,
      ctx,
    );
  }
  return v as T;
}

/** `response.usage` -> TokenUsage; absent or null usage -> undefined; missing details count 0. */
export function parseTokenUsage(
  usage: unknown,
  type: string,
  ctx: PayloadContext,
): TokenUsage | undefined {
  if (usage === undefined || usage === null) return undefined;
  if (!isObject(usage)) throw malformed(type, "`usage` must be an object", ctx);
  // `path` is `field` or `details.field`; a missing details object counts `missing`.
  const count = (path: string, missing?: number): number => {
    const [field, sub] = path.split(".") as [string, string?];
    const outer = usage[field];
    const value = sub === undefined ? outer : isObject(outer) ? (outer[sub] ?? missing) : missing;
    if (Number.isSafeInteger(value)) return value as number;
    throw malformed(type, `\`usage.${path}\` must be an integer`, ctx);
  };
  return {
    inputTokens: count("input_tokens"),
    cachedInputTokens: count("input_tokens_details.cached_tokens", 0),
    outputTokens: count("output_tokens"),
    reasoningOutputTokens: count("output_tokens_details.reasoning_tokens", 0),
    totalTokens: count("total_tokens"),
  };
}

/**
 * Parses an SSE message's data. An error frame (`event: error`, or no string `type` but an `error`
 * object) of any shape becomes an `error` payload; any other payload that is not a JSON object with
 * a string `type` throws.
 */
export function parsePayload(
  data: string,
  hint: string | undefined,
  ctx: PayloadContext,
): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch (error) {
    if (hint === "error") return { type: "error", [FRAME]: data };
    throw new StreamError(
      `${hint ?? "SSE"} event at byte ${ctx.byteOffset}: data is not JSON (${(error as Error).message})`,
      { ...ctx.details, cause: error },
    );
  }
  // The common case first: `type` is a string only on an object (JSON has no other value with keys).
  const typed = typeof (payload as { type?: unknown } | null)?.type === "string";
  if (typed && hint !== "error") return payload as Record<string, unknown>;
  if (isErrorFrame(payload, hint)) {
    const isErrorEvent = typed && (payload as Record<string, unknown>)["type"] === "error";
    return isErrorEvent
      ? (payload as Record<string, unknown>)
      : { type: "error", [FRAME]: payload };
  }
  if (!typed) {
    throw malformed(hint ?? "SSE", "data is not a JSON object with a string `type`", ctx);
  }
  return payload as Record<string, unknown>;
}

/**
 * The event of a well-formed `response.output_text.delta` (most payloads of a long stream), else
 * undefined: the reader tries it before `mapPayload`, which handles every payload.
 */
export function textDelta(payload: Record<string, unknown>): ResponseEvent | undefined {
  if (payload["type"] !== "response.output_text.delta") return undefined;
  const delta = payload["delta"];
  return typeof delta === "string" ? { type: "outputTextDelta", delta } : undefined;
}

/**
 * The ResponseEvent for a payload, or undefined for one that is dropped. Throws a `Reported` for
 * `response.failed`, `response.incomplete` and `error`, a StreamError for a malformed event.
 */
export function mapPayload(
  payload: Record<string, unknown>,
  ctx: PayloadContext,
): ResponseEvent | undefined {
  const type = payload["type"] as string;
  switch (type) {
    case "response.created": {
      const model = serverModel(modelOfCreated(payload), ctx.models);
      if (!model) return { type: "created" };
      ctx.pending.push({ type: "created" });
      return model;
    }
    case "response.output_item.added":
    case "response.output_item.done": {
      const item = field<ResponseItem>(payload, "item", "object", ctx);
      if (typeof item.type !== "string") throw malformed(type, "`item.type` must be a string", ctx);
      return {
        type: type === "response.output_item.added" ? "outputItemAdded" : "outputItemDone",
        item,
      };
    }
    case "response.output_text.delta":
      return { type: "outputTextDelta", delta: field(payload, "delta", "string", ctx) };
    case "response.reasoning_summary_text.delta":
      return {
        type: "reasoningSummaryDelta",
        delta: field(payload, "delta", "string", ctx),
        summaryIndex: field(payload, "summary_index", "integer", ctx),
      };
    case "response.reasoning_text.delta":
      return {
        type: "reasoningContentDelta",
        delta: field(payload, "delta", "string", ctx),
        contentIndex: field(payload, "content_index", "integer", ctx),
      };
    case "response.reasoning_summary_part.added":
      return {
        type: "reasoningSummaryPartAdded",
        summaryIndex: field(payload, "summary_index", "integer", ctx),
      };
    case "response.function_call_arguments.delta":
      return {
        type: "functionCallArgumentsDelta",
        itemId: field(payload, "item_id", "string", ctx),
        outputIndex: field(payload, "output_index", "integer", ctx),
        delta: field(payload, "delta", "string", ctx),
      };
    case "response.function_call_arguments.done":
      return {
        type: "functionCallArgumentsDone",
        itemId: field(payload, "item_id", "string", ctx),
        outputIndex: field(payload, "output_index", "integer", ctx),
        arguments: field(payload, "arguments", "string", ctx),
      };
    case "codex.rate_limits": {
      const snapshot = rateLimitsFromEvent(payload);
      return snapshot && !isEmptySnapshot(snapshot) ? { type: "rateLimits", snapshot } : undefined;
    }
    case "response.completed":
    case "response.done": {
      const response = payload["response"];
      if (response === undefined || response === null) {
        if (type === "response.done") return { type: "completed", responseId: "" };
        throw malformed(type, "`response` is missing", ctx);
      }
      if (!isObject(response)) throw malformed(type, "`response` must be an object", ctx);
      const id = response["id"];
      if (typeof id !== "string" && !(type === "response.done" && id === undefined)) {
        throw malformed(type, "`response.id` must be a string", ctx);
      }
      const tokenUsage = parseTokenUsage(response["usage"], type, ctx);
      return { type: "completed", responseId: id ?? "", ...(tokenUsage ? { tokenUsage } : {}) };
    }
    case "response.failed":
    case "response.incomplete":
      throw new Reported(type, payload, ctx.details);
    case "error":
      throw new Reported(type, FRAME in payload ? payload[FRAME] : payload, ctx.details);
    default:
      return ctx.includeRawEvents ? { type: "raw", event: payload } : undefined;
  }
}
