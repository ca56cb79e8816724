// Rate-limit snapshots from response headers (`x-codex-primary-used-percent`, …) and from the
// `codex.rate_limits` stream event. A value that does not parse is left out, never NaN.

/** One rate-limit window: how much of it is used, how long it is, when it resets. */
export interface RateLimitWindow {
  usedPercent: number;
  windowMinutes?: number;
  /** Unix seconds, as in the header. */
  resetsAt?: number;
}

/** The credits state of the account. */
export interface Credits {
  hasCredits: boolean;
  unlimited: boolean;
  balance?: string;
}

/** The windows and credits of one limit family. */
export interface RateLimitFamily {
  primary?: RateLimitWindow;
  secondary?: RateLimitWindow;
  /** The family's display name, from `x-<family>-limit-name`. */
  limitName?: string;
}

/** What the rate-limit headers (or a `codex.rate_limits` event) said, with other families under `limits`. */
export interface RateLimitSnapshot extends RateLimitFamily {
  credits?: Credits;
  /** Other limit families (`x-<name>-primary-…`), keyed by name lower-cased with `-` -> `_`. */
  limits?: Record<string, RateLimitFamily>;
}

/** Reply headers, or a plain record of them (any case). */
export type HeaderSource = Headers | Record<string, string>;

function reader(headers: HeaderSource): (name: string) => string | undefined {
  if (headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower.get(name);
}

function float(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text))
    return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[-+]?\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function bool(text: string | undefined): boolean | undefined {
  const t = text?.trim().toLowerCase();
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  return undefined;
}

/** A window, its absent parts left out. */
function rateWindow(
  usedPercent: number,
  windowMinutes: number | undefined,
  resetsAt: number | undefined,
): RateLimitWindow {
  const w: RateLimitWindow = { usedPercent };
  if (windowMinutes !== undefined) w.windowMinutes = windowMinutes;
  if (resetsAt !== undefined) w.resetsAt = resetsAt;
  return w;
}

/** A window exists when its percent parses and it says something (non-zero use, a window or a reset). */
function windowOf(
  usedPercent: number | undefined,
  windowMinutes: number | undefined,
  resetsAt: number | undefined,
): RateLimitWindow | undefined {
  if (usedPercent === undefined) return undefined;
  if (usedPercent === 0 && !windowMinutes && resetsAt === undefined) return undefined;
  return rateWindow(usedPercent, windowMinutes, resetsAt);
}

function familyFromHeaders(
  get: (name: string) => string | undefined,
  prefix: string,
): RateLimitFamily {
  const family: RateLimitFamily = {};
  for (const which of ["primary", "secondary"] as const) {
    const w = windowOf(
      float(get(`${prefix}-${which}-used-percent`)),
      integer(get(`${prefix}-${which}-window-minutes`)),
      integer(get(`${prefix}-${which}-reset-at`)),
    );
    if (w) family[which] = w;
  }
  const limitName = get(`${prefix}-limit-name`)?.trim();
  if (limitName) family.limitName = limitName;
  return family;
}

function creditsOf(
  hasCredits: boolean | undefined,
  unlimited: boolean | undefined,
  balance: string | undefined,
): Credits | undefined {
  if (hasCredits === undefined || unlimited === undefined) return undefined;
  const b = balance?.trim();
  return { hasCredits, unlimited, ...(b ? { balance: b } : {}) };
}

const FAMILY_HEADER = /^x-([a-z0-9-]+)-primary-used-percent$/;

/** The snapshot the headers describe; `{}` when they carry no rate-limit header. */
export function parseRateLimits(headers: HeaderSource): RateLimitSnapshot {
  const get = reader(headers);
  const snapshot: RateLimitSnapshot = familyFromHeaders(get, "x-codex");
  const credits = creditsOf(
    bool(get("x-codex-credits-has-credits")),
    bool(get("x-codex-credits-unlimited")),
    get("x-codex-credits-balance"),
  );
  if (credits) snapshot.credits = credits;
  const names = headers instanceof Headers ? [...headers.keys()] : Object.keys(headers);
  const families = names
    .map((n) => FAMILY_HEADER.exec(n.toLowerCase())?.[1])
    .filter((f): f is string => f !== undefined && f !== "codex")
    .sort();
  for (const name of families) {
    const family = familyFromHeaders(get, `x-${name}`);
    if (family.primary || family.secondary) {
      // Defined, not assigned: a family named `__proto__` is a key, never the object's prototype.
      const limits = (snapshot.limits ??= {});
      const key = name.replace(/-/g, "_");
      Object.defineProperty(limits, key, {
        value: family,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return snapshot;
}

// Every header name `parseRateLimits` reads: `x-<family>-primary-…`, `-secondary-…`, `-credits-…`
// and `x-<family>-limit-name`.
const RATE_LIMIT_HEADER = /^x-[a-z0-9-]+-(primary|secondary|credits)-|^x-[a-z0-9-]+-limit-name$/;

/** `headers` without its rate-limit headers (a WebSocket handshake's describe the moment it was made). */
export function withoutRateLimits(headers: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of headers) if (!RATE_LIMIT_HEADER.test(name)) out.set(name, value);
  return out;
}

/** True when a snapshot holds nothing. */
export function isEmptySnapshot(s: RateLimitSnapshot): boolean {
  return !s.primary && !s.secondary && !s.credits && !s.limits;
}

/** The snapshot of `headers`, or undefined when they carry no rate-limit header. */
export function rateLimitsOf(headers: HeaderSource): RateLimitSnapshot | undefined {
  const snapshot = parseRateLimits(headers);
  return isEmptySnapshot(snapshot) ? undefined : snapshot;
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

function eventWindow(value: unknown): RateLimitWindow | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") return null;
  const w = value as Record<string, unknown>;
  const usedPercent = num(w["used_percent"]);
  if (usedPercent === undefined) return null;
  return rateWindow(usedPercent, num(w["window_minutes"]), num(w["reset_at"]));
}

/** The snapshot of a `codex.rate_limits` payload, or undefined when it does not parse. */
export function rateLimitsFromEvent(
  payload: Record<string, unknown>,
): RateLimitSnapshot | undefined {
  const limits = payload["rate_limits"] ?? {};
  if (typeof limits !== "object" || limits === null) return undefined;
  const primary = eventWindow((limits as Record<string, unknown>)["primary"]);
  const secondary = eventWindow((limits as Record<string, unknown>)["secondary"]);
  if (primary === null || secondary === null) return undefined;
  const snapshot: RateLimitSnapshot = {};
  if (primary) snapshot.primary = primary;
  if (secondary) snapshot.secondary = secondary;
  const c = payload["credits"];
  if (c !== undefined && c !== null) {
    if (typeof c !== "object") return undefined;
    const r = c as Record<string, unknown>;
    const balance = r["balance"];
    if (typeof r["has_credits"] !== "boolean" || typeof r["unlimited"] !== "boolean")
      return undefined;
    if (balance !== undefined && balance !== null && typeof balance !== "string") return undefined;
    snapshot.credits = creditsOf(r["has_credits"], r["unlimited"], balance ?? undefined)!;
  }
  return snapshot;
}
