// Request headers, in the order ARCHITECTURE.md gives: provider headers, then per-call headers,
// then the caller's extra headers (later wins). Auth is added last, per attempt, by the transport.
import { InvalidRequestError } from "../errors/catalogue.js";
import { VERSION } from "../version.js";

/** Sent on every request. */
export const USER_AGENT = `codex-api-ts/${VERSION}`;

/** Merges header maps left to right (a later name wins whatever its case), then checks the values. */
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
  assertHeaderValues(out);
  return out;
}

/** A value with CR or LF could smuggle a header: rejected before anything is sent (the value is not quoted). */
export function assertHeaderValues(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(value)) {
      throw new InvalidRequestError(`header "${name}": its value contains CR or LF`);
    }
  }
}
