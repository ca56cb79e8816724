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

// The most values one client remembers; a token that rotates every request still stays bounded.
const MAX_SECRETS = 64;
const REDACTED = "[redacted]";
// `scheme://user:password@` in any URL a server or a caller wrote.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi;

/** Removes known secrets from text and errors; one per client. */
export class Scrubber {
  // Longest first, so a token is removed before a shorter value that is part of it.
  #values: string[] = [];

  /** Remembers the values of the secret headers among `headers` (and a bearer's bare token). */
  addHeaders(headers: Record<string, string> | Headers | undefined): void {
    if (!headers) return;
    const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
    for (const [name, value] of entries) {
      if (!isSecretHeader(name)) continue;
      this.add(value);
      this.add(value.replace(/^\s*Bearer\s+/i, ""));
    }
  }

  /** Remembers one secret value, as given and trimmed. */
  add(value: string | undefined): void {
    for (const v of [value, value?.trim()]) {
      if (!v || v.length < 4 || this.#values.includes(v)) continue;
      this.#values.push(v);
      this.#values.sort((a, b) => b.length - a.length);
      if (this.#values.length > MAX_SECRETS) this.#values.pop();
    }
  }

  /** `text` without any known secret or URL password. */
  text(text: string): string {
    let out = text.includes("://") ? text.replace(URL_USERINFO, `$1${REDACTED}@`) : text;
    for (const secret of this.#values) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Scrubs an error in place (message, stack, reply headers, and its `cause` chain) and returns it. */
  error<E>(error: E): E {
    scrubInPlace(error, this, 0);
    return error;
  }

  /** A value fit to log: a string cleaned, an error scrubbed in place, anything else as it is. */
  value(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    return value instanceof Error ? this.error(value) : value;
  }
}

/** Rewrites message, stack, headers and cause of `error`; false when it holds a secret it cannot shed. */
function scrubInPlace(error: unknown, scrubber: Scrubber, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > 8) return true;
  const e = error as { message?: unknown; stack?: unknown; cause?: unknown; headers?: unknown };
  try {
    for (const key of ["message", "stack"] as const) {
      const value = e[key];
      if (typeof value !== "string") continue;
      const clean = scrubber.text(value);
      if (clean !== value) Object.defineProperty(error, key, { value: clean, configurable: true });
    }
    // A reply's headers may echo a secret too (a Location with a password).
    if (e.headers instanceof Headers) {
      const clean = new Headers();
      for (const [name, value] of e.headers) clean.append(name, scrubber.text(value));
      if ([...clean].join() !== [...e.headers].join()) {
        Object.defineProperty(error, "headers", { value: clean, configurable: true });
      }
    }
    const { cause } = e;
    if (typeof cause === "string") {
      Object.defineProperty(error, "cause", { value: scrubber.text(cause), configurable: true });
    } else if (!scrubInPlace(cause, scrubber, depth + 1)) {
      // A frozen foreign error: keep a clean copy of its message instead.
      const text = scrubber.text(String((cause as Error).message ?? cause));
      Object.defineProperty(error, "cause", { value: new Error(text), configurable: true });
    }
    return true;
  } catch {
    return false;
  }
}
