// The one scrubber: every string that reaches an error message, `cause`, log line, telemetry payload
// or the CLI passes through a client's Scrubber first. It knows the values of secret headers (the
// provider's and each attempt's auth) and removes them, as given and trimmed, and URL passwords.
const SECRET_HEADERS = new Set(["authorization", "cookie", "set-cookie", "chatgpt-account-id"]);

/** True for a header whose value must never be logged: auth, cookies, and any key, token or secret. */
export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || /key|token|secret|auth/.test(lower);
}

/** A copy of `headers` fit to log: secret values replaced by `[redacted]`. */
export function redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) out[name] = isSecretHeader(name) ? "[redacted]" : value;
  return out;
}

// The most values one client remembers besides its pinned ones; past it the value learned longest
// ago is forgotten, so the token in use (and the recent ones) is always known while a token that
// rotates every request keeps memory bounded.
const MAX_SECRETS = 64;
const REDACTED = "[redacted]";
// The `user:password@` after `scheme://` in any URL a server or a caller wrote. Patterns here run on
// hostile text up to 64 KiB: each is linear (no two unbounded runs of one class in a row).
const URL_USERINFO = /(:\/\/)[^/?#\s@]*@/g;
// A query parameter (`?api-key=…`, `&sig=…`); its value is removed when its name is secret.
const QUERY_PARAM = /([?&;][^=&#\s?;]{1,100}=)([^&#\s;"'<>]*)/g;
const SECRET_NAME = /key|token|secret|auth|sig/i;

/** Removes known secrets from text and errors; one per client. */
export class Scrubber {
  // Values given at creation (provider headers, a fixed token): never forgotten.
  #pinned: string[] = [];
  // Values learned per call or attempt, oldest first; bounded by MAX_SECRETS.
  #recent: string[] = [];
  // Every value, longest first (so a token is removed before a shorter value that is part of it);
  // rebuilt when a value is learned.
  #sorted: string[] | undefined = [];

  /** Remembers the values of the secret headers among `headers` (and a bearer's bare token). */
  addHeaders(headers: Record<string, string> | Headers | undefined, pinned = false): void {
    if (!headers) return;
    const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
    for (const [name, value] of entries) {
      if (!isSecretHeader(name) || typeof value !== "string") continue;
      this.add(value, pinned);
      this.add(value.replace(/^\s*Bearer\s+/i, ""), pinned);
    }
  }

  /**
   * Remembers one secret value, as given and trimmed. A pinned value is kept for the client's life;
   * another one is kept until MAX_SECRETS values were learned after it.
   */
  add(value: string | undefined, pinned = false): void {
    for (const v of [value, value?.trim()]) {
      if (!v || v.length < 4 || this.#pinned.includes(v)) continue;
      const at = this.#recent.indexOf(v);
      if (at !== -1) this.#recent.splice(at, 1);
      if (pinned) this.#pinned.push(v);
      else this.#recent.push(v);
      if (at === -1) this.#sorted = undefined;
      if (this.#recent.length > MAX_SECRETS) {
        this.#recent.shift();
        this.#sorted = undefined;
      }
    }
  }

  /** `text` without any known secret, URL password or secret-named query parameter's value. */
  text(text: string): string {
    let out = text;
    if (out.includes("://")) out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
    if (out.includes("=")) {
      out = out.replace(QUERY_PARAM, (all, name: string, value: string) =>
        value && SECRET_NAME.test(name) ? name + REDACTED : all,
      );
    }
    this.#sorted ??= [...this.#pinned, ...this.#recent].sort((a, b) => b.length - a.length);
    for (const secret of this.#sorted) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /**
   * Scrubs an error in place and returns it: message, stack, every string field (`reason`,
   * `param`, `limitName`…, nested ones such as a rate-limit snapshot's), reply headers, and its
   * `cause` chain.
   */
  error<E>(error: E): E {
    scrubInPlace(error, this, 0);
    return error;
  }

  /** A value fit to log: an error scrubbed in place; a string, plain object or Headers cleaned. */
  value(value: unknown): unknown {
    return value instanceof Error ? this.error(value) : cleanData(value, this, 0);
  }
}

/**
 * `value` with its strings scrubbed: a string cleaned, and a copy of reply headers, a plain object
 * or an array (a rate-limit snapshot); anything else as it is.
 */
function cleanData(value: unknown, scrubber: Scrubber, depth: number): unknown {
  if (typeof value === "string") return scrubber.text(value);
  // A reply's headers may echo a secret too (a Location with a password).
  if (value instanceof Headers) {
    const clean = new Headers();
    for (const [name, text] of value) clean.append(name, scrubber.text(text));
    return clean;
  }
  if (typeof value !== "object" || value === null || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => cleanData(v, scrubber, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out = Object.create(proto) as Record<string, unknown>;
  // Defined, not assigned: a key named `__proto__` stays a key.
  for (const [k, v] of Object.entries(value)) replace(out, k, cleanData(v, scrubber, depth + 1));
  return out;
}

/** Sets `target[key]` to `value` when it differs, keeping the field's enumerability. */
function replace(target: object, key: string, value: unknown): void {
  if ((target as Record<string, unknown>)[key] === value) return;
  const enumerable = Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? true;
  Object.defineProperty(target, key, { value, configurable: true, writable: true, enumerable });
}

/**
 * Rewrites every string field of `error` (message and stack included), the strings inside its
 * headers and plain-object fields, and its cause chain; false when it holds a secret it cannot shed
 * (a frozen foreign error).
 */
function scrubInPlace(error: unknown, scrubber: Scrubber, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > 8) return true;
  try {
    for (const key of new Set(["message", "stack", ...Object.keys(error)])) {
      const value = (error as Record<string, unknown>)[key];
      if (key !== "cause" && !(value instanceof Error)) {
        replace(error, key, cleanData(value, scrubber, 0));
      }
    }
    const { cause } = error as { cause?: unknown };
    if (typeof cause === "string") {
      replace(error, "cause", scrubber.text(cause));
    } else if (!scrubInPlace(cause, scrubber, depth + 1)) {
      // A frozen foreign error: keep a clean copy of its message instead.
      const text = scrubber.text(String((cause as Error).message ?? cause));
      replace(error, "cause", new Error(text));
    }
    return true;
  } catch {
    return false;
  }
}
