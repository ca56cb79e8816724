// The incrementality rule (README "Responses over WebSocket"): a request that only extends the last
// completed one on the same connection is sent as `previous_response_id` plus the new input items;
// anything else is a full `response.create`.
import { InvalidRequestError } from "../errors/catalogue.js";
import type { ResponsesApiRequest } from "../generated/openapi.js";
import type { Completed } from "./connection.js";

/** The frame to send, and whether it is incremental. */
export interface Plan {
  frame: Record<string, unknown>;
  incremental: boolean;
}

/**
 * A copy of `value` as JSON sends it: the baseline of the next request is what went on the wire,
 * so a later in-place edit by the caller (a redaction, `history.push`, a new tool) is seen as one.
 */
export function snapshot<T>(value: T, where: string): T {
  try {
    return JSON.parse(JSON.stringify(value)) as T;
  } catch (cause) {
    const why = (cause as Error)?.message ?? String(cause);
    throw new InvalidRequestError(`${where}: the request is not JSON: ${why}`, { cause });
  }
}

/** JSON equality: objects by their defined keys in any order, arrays in order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => deepEqual(x[k], y[k]));
}

/** Every field but `input` (and `generate`, which only a warm-up sets) is the same. */
function sameButInput(a: ResponsesApiRequest, b: ResponsesApiRequest): boolean {
  const rest = (r: ResponsesApiRequest) => ({ ...r, input: undefined, generate: undefined });
  return deepEqual(rest(a), rest(b));
}

/** A full `response.create`. */
export function fullCreate(body: ResponsesApiRequest): Plan {
  return { frame: { type: "response.create", ...body }, incremental: false };
}

/**
 * The frame for `body` after `last`: incremental when `last` completed with a response id, every
 * field but the input is equal, and its input followed by its output is a strict prefix of the new
 * input (right after a warm-up, which has no output, an equal input is allowed too).
 */
export function planRequest(body: ResponsesApiRequest, last: Completed | undefined): Plan {
  if (!last?.responseId || !sameButInput(last.body, body)) return fullCreate(body);
  const baseline = [...last.body.input, ...last.output];
  const { input } = body;
  const longer =
    input.length > baseline.length || (last.warmup && input.length === baseline.length);
  if (!longer || !baseline.every((item, i) => deepEqual(item, input[i]))) return fullCreate(body);
  const frame = {
    type: "response.create",
    ...body,
    previous_response_id: last.responseId,
    input: input.slice(baseline.length),
  };
  return { frame, incremental: true };
}
