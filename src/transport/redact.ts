// What must never be logged or quoted: the values of secret headers, and reply text that echoes them.
// Everything that reaches a log line or an error message passes through here first.

const SECRET_HEADERS = new Set([
  "authorization",
  "chatgpt-account-id",
  "cookie",
  "set-cookie",
  "proxy-authorization",
  "api-key",
  "x-api-key",
  "openai-api-key",
]);

/** True for a header whose value must never be logged. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** A copy of `headers` fit to log: secret values replaced by `[redacted]`. */
export function redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) out[name] = isSecretHeader(name) ? "[redacted]" : value;
  return out;
}

/** The values of the auth headers (and the bare token), longest first, to scrub from reply bodies. */
export function secretValues(headers: Record<string, string>): string[] {
  const values = new Set<string>();
  for (const value of Object.values(headers)) {
    values.add(value);
    const bare = value.replace(/^Bearer\s+/i, "");
    if (bare) values.add(bare);
  }
  return [...values].filter((v) => v.trim() !== "").sort((a, b) => b.length - a.length);
}

/** `text` with every secret replaced, so that no error message can carry it. */
export function scrub(text: string, secrets: string[]): string {
  for (const secret of secrets)
    if (text.includes(secret)) text = text.split(secret).join("[redacted]");
  return text;
}
