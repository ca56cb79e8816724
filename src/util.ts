// Small helpers shared across folders.

/** A plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The longest delay a JavaScript timer can hold (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay a server asked for, as a timer can hold it: rounded and at most MAX_TIMER_MS. */
export function timerMs(ms: number): number {
  return Math.min(Math.round(ms), MAX_TIMER_MS);
}

/** The first 200 characters of a body, on one line. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** Bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}

interface Runtime {
  process?: { env?: Record<string, string | undefined> };
  Deno?: { env?: { get(name: string): string | undefined }; unrefTimer?(id: number): void };
}

/**
 * The environment variable `name`, trimmed; undefined when empty, unset, or where the runtime has
 * no environment or refuses to read it (a browser, Deno without --allow-env).
 */
export function envVar(name: string): string | undefined {
  try {
    const runtime = globalThis as Runtime;
    const value = runtime.Deno?.env ? runtime.Deno.env.get(name) : runtime.process?.env?.[name];
    return value?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Lets the runtime exit while `timer` is pending (Node, Bun, Deno); elsewhere does nothing. */
export function unrefTimer(timer: unknown): void {
  try {
    if (typeof timer === "number") (globalThis as Runtime).Deno?.unrefTimer?.(timer);
    else (timer as { unref?: () => void } | undefined)?.unref?.();
  } catch {
    // a runtime without unref keeps the timer: it is cleared when the stream ends
  }
}
