// What startMockServer checks before it listens: a script with a value the server could not send
// (`status: "abc"`, `events: [null]`, `upgrade: null`, a header value with a newline) is refused
// with a message naming the field, instead of crashing the host process on the first request.
import { InvalidRequestError } from "../errors/catalogue.js";
import { headerProblem } from "../transport/headers.js";
import { isObject } from "../util.js";

/** A problem found at `path`, or undefined. */
type Check = (value: unknown, path: string) => string | undefined;

// The longest delay a timer holds (ms): a longer dripMs would fire at once, every millisecond.
const MAX_MS = 2 ** 31 - 1;
const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const ms: Check = (v, path) =>
  isCount(v) && (v as number) <= MAX_MS
    ? undefined
    : `${path} must be an integer in 0..${MAX_MS} (ms)`;
const count: Check = (v, path) => (isCount(v) ? undefined : `${path} must be an integer ≥ 0`);
const positive: Check = (v, path) =>
  isCount(v) && (v as number) >= 1 ? undefined : `${path} must be an integer ≥ 1`;
const flag: Check = (v, path) => (typeof v === "boolean" ? undefined : `${path} must be a boolean`);
const text: Check = (v, path) => (typeof v === "string" ? undefined : `${path} must be a string`);

/** An HTTP status Node can write (`min` 100, or 101 for an upgrade's answer). */
const status =
  (min: number): Check =>
  (v, path) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= 599
      ? undefined
      : `${path} must be an integer in ${min}..599`;

const headers: Check = (v, path) => {
  if (!isObject(v)) return `${path} must be an object of header names to string values`;
  for (const [name, value] of Object.entries(v)) {
    const problem = headerProblem(name, value);
    // A reply may carry the framing headers a request may not (content-length, transfer-encoding).
    if (problem && !problem.includes("set by fetch")) return `${path}: ${problem}`;
  }
  return undefined;
};

const json: Check = (v, path) => {
  try {
    JSON.stringify(v);
    return undefined;
  } catch (error) {
    return `${path} cannot be sent as JSON (${(error as Error).message})`;
  }
};

const events: Check = (v, path) => {
  if (!Array.isArray(v)) return `${path} must be an array of event objects`;
  const at = v.findIndex((e) => !isObject(e));
  if (at !== -1) return `${path}[${at}] must be an object (an SSE payload)`;
  const problem = json(v, path);
  if (problem) return problem;
  // A toJSON may write something else (nothing, a string, an array): no event's payload.
  const written = v.findIndex((e) => !JSON.stringify(e)?.startsWith("{"));
  if (written !== -1) return `${path}[${written}] must be written by JSON.stringify as an object`;
  return undefined;
};

const REPLY: Record<string, Check> = {
  status: status(100),
  headers,
  body: json,
  html: flag,
  events,
  dripMs: ms,
  stallAfterEvents: count,
  keepAliveMs: (v, path) => positive(v, path) ?? ms(v, path),
  stallBeforeHeaders: flag,
  resetAfterBytes: count,
  malformedAt: count,
  omitTerminal: flag,
  binaryAt: count,
  dropAfterEvents: count,
};

const UPGRADE: Record<string, Check> = { status: status(101), headers, body: text };

/** The first problem of an object checked field by field (unknown fields are left alone). */
function fields(value: unknown, path: string, checks: Record<string, Check>): string | undefined {
  if (!isObject(value)) return `${path} must be an object`;
  for (const [key, check] of Object.entries(checks)) {
    if (value[key] === undefined) continue;
    const problem = check(value[key], `${path}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * One entry or a list of entries, each checked by `checks`; a function entry (a reply computed from
 * the request) is checked when it is called, and a bad result is a 500.
 */
function oneOrMany(value: unknown, path: string, checks: Record<string, Check>) {
  if (typeof value === "function") return undefined;
  if (!Array.isArray(value)) return fields(value, path, checks);
  for (const [i, entry] of value.entries()) {
    if (typeof entry === "function") continue;
    const problem = fields(entry, `${path}[${i}]`, checks);
    if (problem) return problem;
  }
  return undefined;
}

/** The first problem of a script, or undefined when the server can play it. */
function scriptProblem(script: unknown): string | undefined {
  if (!isObject(script)) return "the script must be an object (a MockScript)";
  for (const [key, value] of Object.entries(script)) {
    if (value === undefined) continue;
    if (key === "rateLimitHeaders") {
      if (typeof value !== "boolean") return "script.rateLimitHeaders must be a boolean";
    } else if (key === "websocket") {
      const ws = fields(value, "script.websocket", { closeAfterRequests: positive });
      if (ws) return ws;
      const upgrade = (value as Record<string, unknown>)["upgrade"];
      if (upgrade !== undefined) {
        const problem = oneOrMany(upgrade, "script.websocket.upgrade", UPGRADE);
        if (problem) return problem;
      }
    } else if (key === "storedResponses") {
      const ok =
        Array.isArray(value) &&
        value.every(
          (v) => isObject(v) && isObject(v["response"]) && typeof v["response"]["id"] === "string",
        );
      if (!ok)
        return "script.storedResponses must be a list of { response: { id, … }, inputItems? }";
    } else {
      // Every other key is an endpoint's reply or list of replies.
      const problem = oneOrMany(value, `script.${key}`, REPLY);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Throws InvalidRequestError naming the first field of `script` the mock server cannot play. */
export function checkScript(script: unknown): void {
  const problem = scriptProblem(script);
  if (problem) {
    throw new InvalidRequestError(`startMockServer: ${problem}`, { code: "invalid_script" });
  }
}
