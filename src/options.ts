// The one place where an options object is checked for keys it does not know (README "Options"):
// the error names the key and the name to use, when one is close or known from another client
// library. Values are never quoted here; only key names are.
import { InvalidRequestError } from "./errors/catalogue.js";

/** Names other client libraries use, and the name to use here (relative to the object checked). */
export type Aliases = Readonly<Record<string, string>>;

/** Client options: openai-node's names of the same things. */
export const CLIENT_ALIASES: Aliases = {
  apiKey: "auth",
  maxRetries: "provider.retry.maxAttempts",
  timeout: "provider.requestTimeoutMs",
  baseURL: "provider.baseUrl",
  baseUrl: "provider.baseUrl",
  extraHeaders: "provider.headers",
};

/** A provider's or a call's options: openai-node's names of the same things. */
export const CALL_ALIASES: Aliases = {
  maxRetries: "retry.maxAttempts",
  timeout: "requestTimeoutMs",
  extraHeaders: "headers",
};

/** A retry policy's options: openai-node's name of the same thing. */
export const RETRY_ALIASES: Aliases = { maxRetries: "maxAttempts" };

/**
 * Levenshtein distance between `a` and `b`, giving up (returning `max + 1`) past `max`. The one copy:
 * the unknown-key check here, the validator's and the CLI's "did you mean" (../validate/suggest.ts).
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
    }
    if (Math.min(...row) > max) return max + 1;
    previous = row;
  }
  return previous[b.length]!;
}

/** The name to use for `key`: a known alias, else the closest known name within distance 2. */
export function suggestion(key: string, known: readonly string[], aliases: Aliases = {}) {
  if (Object.hasOwn(aliases, key)) return aliases[key];
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    // Case-insensitive: `baseURL` is 0 from `baseurl`.
    const d = editDistance(key.toLowerCase(), name.toLowerCase(), 2);
    // A one- or two-letter key is close to everything: it must share more than it changes.
    if (d < bestDistance && d < key.length) [best, bestDistance] = [name, d];
  }
  return best;
}

/** How `checkKeys` reports: the function called, the path of the object, its keys and aliases. */
export interface KeyCheck {
  /** The call whose argument this is (`createClient`, `responses.stream`), the start of the message. */
  where: string;
  /** The path of the object (`provider.retry`, `options`); empty for the top level of `where`. */
  path: string;
  known: readonly string[];
  aliases?: Aliases;
}

/**
 * Throws InvalidRequestError (`code: "invalid_option"`, `param` the key's path) at the first own
 * key of `value` not in `known`, naming the name to use when there is one.
 */
export function checkKeys(value: object, check: KeyCheck): void {
  for (const key of Object.keys(value)) {
    if (check.known.includes(key)) continue;
    const param = check.path ? `${check.path}.${key}` : key;
    const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
    const use = suggestion(key, check.known, check.aliases);
    const hint = use === undefined ? "" : ` (did you mean ${use}?)`;
    const where = check.path ? ` in ${check.path}` : "";
    throw new InvalidRequestError(`${check.where}: unknown option ${shown}${where}${hint}`, {
      param,
      code: "invalid_option",
    });
  }
}

/** What a message may say about a value: numbers, booleans, null as they are; else only the type. */
export function describeValue(value: unknown): string {
  const type = typeof value;
  if (type === "string" || type === "function") return ` (got a ${type})`;
  if (Array.isArray(value)) return " (got an array)";
  return type === "object" && value !== null ? " (got an object)" : `, got ${String(value)}`;
}

/**
 * InvalidRequestError `<where>: <param> must be <rule>` (`code: "invalid_option"`); a given value
 * is described, and quoted only when it cannot be a secret (a number, a boolean).
 */
export function optionError(where: string, param: string, rule: string, ...value: [unknown?]) {
  const got = value.length > 0 ? describeValue(value[0]) : "";
  return new InvalidRequestError(`${where}: ${param} must be ${rule}${got}`, {
    param,
    code: "invalid_option",
  });
}

/** What a `headers` option may be, as a message says it (`toRecord` makes it a plain object). */
export const HEADERS_RULE = "an object, a Headers, a Map or [name, value] pairs";

/**
 * Names and values as a plain object: a plain object as it is (its getters still read at each use),
 * and a `Headers`, `Map`, `URLSearchParams` or `[name, value][]` copied into one. Throws
 * InvalidRequestError for anything else, or for a name given twice; values are checked by the caller.
 */
export function toRecord(value: unknown, where: string, param: string): object | undefined {
  if (value === undefined || typeof value !== "object" || value === null) return value as undefined;
  if (!(Symbol.iterator in value)) return value;
  // No prototype: a name such as `__proto__` is a key like any other.
  const out = Object.create(null) as Record<string, unknown>;
  for (const pair of value as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
      throw optionError(where, param, HEADERS_RULE, pair);
    }
    const name = pair[0];
    if (Object.hasOwn(out, name)) {
      const shown = JSON.stringify(name.slice(0, 40));
      throw optionError(where, param, `one value per name (${shown} is given twice)`);
    }
    out[name] = pair[1];
  }
  return out;
}
