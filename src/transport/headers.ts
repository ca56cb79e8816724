// Request headers, in the order ARCHITECTURE.md gives: provider headers, then per-call headers,
// then the caller's extra headers (later wins). Auth is added last, per attempt, by the transport.
// Every name and value is checked against the fetch grammar before anything is sent.
import { InvalidRequestError } from "../errors/catalogue.js";
import { VERSION } from "../version.js";

/** Sent on every request. */
export const USER_AGENT = `codex-api-ts/${VERSION}`;

/** Merges header maps left to right (a later name wins whatever its case), then checks them. */
export function mergeHeaders(
  ...layers: (Record<string, string | undefined> | undefined)[]
): Record<string, string> {
  const out: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer ?? {})) {
      if (value === undefined) continue;
      const key = name.toLowerCase();
      const previous = names.get(key);
      if (previous !== undefined) delete out[previous];
      names.set(key, name);
      out[name] = value;
    }
  }
  assertHeaders(out);
  return out;
}

// An HTTP token (RFC 9110): the only names fetch accepts.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Headers fetch sets itself and refuses from a caller (Node's fetch throws on each; a browser
// drops them silently): the framing and connection of the request are not the caller's to choose.
const REFUSED = new Set(["transfer-encoding", "keep-alive", "upgrade", "expect", "content-length"]);

/** Why fetch would refuse this header (undefined when it is fine); never quotes the value. */
export function headerProblem(name: string, value: unknown): string | undefined {
  if (!TOKEN.test(name)) return `${JSON.stringify(name.slice(0, 40))} is not a valid header name`;
  const lower = name.toLowerCase();
  if (REFUSED.has(lower)) return `header "${name}" is set by fetch`;
  if (typeof value !== "string") return `header "${name}": its value is not a string`;
  // Node's fetch accepts only these two (it manages the connection itself).
  if (lower === "connection" && !/^\s*(close|keep-alive)\s*$/i.test(value)) {
    return `header "${name}" is set by fetch (but for close or keep-alive)`;
  }
  // NUL, CR or LF could smuggle a header, and fetch refuses them.
  if (/[\0\r\n]/.test(value)) return `header "${name}": its value contains NUL, CR or LF`;
  // A header is bytes: fetch refuses a character above U+00FF.
  if (/[^\0-\u00ff]/.test(value)) {
    return `header "${name}": its value has a character above U+00FF (percent-encode it)`;
  }
  return undefined;
}

/** Throws InvalidRequestError naming the first header fetch would refuse (its value is not quoted). */
export function assertHeaders(headers: object, param?: string): void {
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerProblem(name, value);
    if (problem === undefined) continue;
    const message = param ? `createClient: ${param}: ${problem}` : problem;
    throw new InvalidRequestError(message, param ? { param, code: "invalid_option" } : {});
  }
}
