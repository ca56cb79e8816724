// The fault-matrix harness: a hard deadline per case, a leak check, a secret scan over everything
// the client said (errors, logger lines, telemetry payloads), a process-level unhandled-rejection
// tracker, and the counters behind the summary line.
//
// Leak rule (exact):
//  1. Every reply the test servers send carries `Connection: close` (mock-server replies via their
//     `headers`, raw servers via `closeAfterReply`), so no socket survives a finished response as an
//     idle keep-alive socket in undici's pool. A server-side socket still open after the case is
//     therefore one the client left open (an abandoned body, a stalled request not cancelled).
//  2. After the case settles, server-side open sockets that carried a request must drop to 0 within
//     SETTLE_MS (polled). A connection that never carried a byte is not counted: undici (Node 20's
//     fetch) opens a spare connection right after an aborted request and keeps it idle in its pool;
//     that is the runtime's pool, not the client under test. Mock servers are fronted by a TCP
//     pass-through that does this count (cases.ts `front`); raw servers count it themselves.
//  3. Then the servers are closed and `process.getActiveResourcesInfo()` counts of `Timeout` and
//     `TCPSocketWrap`/`TCPWRAP` must be back at (or under) the counts taken before the servers
//     started, within SETTLE_MS (polled). This catches a client timer (request/idle timeout, backoff
//     sleep) left running. Only ref'ed timers are visible to getActiveResourcesInfo; an unref'ed
//     timer cannot keep the process alive and is not counted as a leak.
import { inspect } from "node:util";
import { sleep } from "../helpers/calls.js";

export const SECRET_TOKEN = "sk-fault-SECRET-7f3a";
export const SECRET_TOKEN_REFRESHED = "sk-fault-SECRET-7f3a-refreshed";
export const SECRET_ACCOUNT = "acct-fault-SECRET-91";
/** Sent as `api-key` and `x-api-key` by every matrix client (Azure and gateway keys). */
export const SECRET_API_KEY = "azkey-fault-SECRET-5c";
export const SECRET_X_API_KEY = "xkey-fault-SECRET-6d";
/** The password of URLs the cases write (a baseUrl, a Location). */
export const SECRET_URL_PASSWORD = "pw-fault-SECRET-22";
const SECRET_MARKERS = [
  SECRET_TOKEN,
  SECRET_ACCOUNT,
  SECRET_API_KEY,
  SECRET_X_API_KEY,
  SECRET_URL_PASSWORD,
  "SECRET-7f3a",
  "SECRET-91",
  "SECRET-5c",
  "SECRET-6d",
  "SECRET-22",
];

export const SETTLE_MS = 300;
export const DEFAULT_DEADLINE_MS = 3_000;

// ---------------------------------------------------------------------------------------------
// Counters for the summary line.

export const counters = {
  faults: new Set<string>(),
  endpoints: new Set<string>(),
  cases: 0,
  hangs: 0,
  leaks: 0,
  unhandled: 0,
  secrets: 0,
  lost: 0,
  overran: [] as string[],
};

export function summaryLine(): string {
  return (
    `fault matrix: ${counters.endpoints.size} endpoints × ${counters.faults.size} faults = ` +
    `${counters.cases} cases, ${counters.hangs} hangs, ${counters.leaks} leaks, ` +
    `${counters.unhandled} unhandled, ${counters.secrets} secrets, ${counters.lost} lost`
  );
}

// ---------------------------------------------------------------------------------------------
// Unhandled rejections: one process-level handler for the whole run.

let currentCase = "(between cases)";
export const unhandledLog: string[] = [];
let installed = false;

export function installUnhandledTracker(): void {
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", (reason) => {
    counters.unhandled++;
    unhandledLog.push(`${currentCase}: ${inspect(reason, { depth: 2 })}`);
  });
}

export function setCurrentCase(name: string): void {
  currentCase = name;
}

// ---------------------------------------------------------------------------------------------
// Deadline.

export class DeadlineExceeded extends Error {}

/** Resolves/rejects like `p`, or rejects with DeadlineExceeded after `ms`. The timer is cleared. */
export async function withDeadline<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceeded(`case ${name} overran its ${ms} ms deadline`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Handles.

export interface HandleCounts {
  timeouts: number;
  sockets: number;
}

export function handleCounts(): HandleCounts {
  let timeouts = 0;
  let sockets = 0;
  for (const r of process.getActiveResourcesInfo()) {
    if (r === "Timeout") timeouts++;
    else if (r === "TCPSocketWrap" || r === "TCPWRAP") sockets++;
  }
  return { timeouts, sockets };
}

/** Polls `check` every 10 ms for up to `ms`; returns its last value. */
export async function pollUntil(check: () => boolean, ms = SETTLE_MS): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= end) return false;
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets: everything the client hands to the logger or telemetry, and every error it throws.

/** `JSON.stringify(value)`, or "" when it cannot be serialized. */
function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/**
 * The texts of an error: message, stack, toString(), util.inspect(), JSON.stringify(), and the
 * same for its whole cause chain.
 */
export function errorTexts(error: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  let e: unknown = error;
  while (e !== undefined && e !== null && !seen.has(e)) {
    seen.add(e);
    if (e instanceof Error) {
      out.push(e.message, e.stack ?? "", String(e), e.toString());
      out.push(inspect(e, { depth: 6 }), json(e));
      e = (e as { cause?: unknown }).cause;
    } else {
      out.push(typeof e === "string" ? e : inspect(e, { depth: 6 }));
      break;
    }
  }
  return out;
}

export function secretIn(texts: string[]): string | undefined {
  for (const t of texts) for (const m of SECRET_MARKERS) if (t.includes(m)) return t;
  return undefined;
}

/** Captures logger lines and telemetry payloads, scanning each as it arrives (memory stays flat). */
export class Capture {
  leaks: string[] = [];
  lines = 0;
  retries: { attempt: number; delayMs: number }[] = [];
  requests = 0;
  /** Each onResume call (the resume column counts them). */
  resumes: unknown[] = [];
  /** Called after each onRetry (a case may abort from there). */
  afterRetry: (() => void) | undefined;

  private scan(where: string, values: unknown[]): void {
    this.lines++;
    const texts: string[] = [];
    for (const v of values) {
      if (v instanceof Error) texts.push(...errorTexts(v));
      else if (typeof v === "string") texts.push(v);
      else texts.push(inspect(v, { depth: 8 }), json(v));
      if (v !== null && typeof v === "object" && "error" in v) {
        texts.push(...errorTexts((v as { error: unknown }).error));
      }
    }
    const hit = secretIn(texts);
    if (hit !== undefined) this.leaks.push(`${where}: ${hit.slice(0, 300)}`);
  }

  readonly logger = {
    debug: (...a: unknown[]) => this.scan("logger.debug", a),
    info: (...a: unknown[]) => this.scan("logger.info", a),
    warn: (...a: unknown[]) => this.scan("logger.warn", a),
    error: (...a: unknown[]) => this.scan("logger.error", a),
  };

  readonly telemetry = {
    onRequest: (info: unknown) => {
      this.requests++;
      this.scan("telemetry.onRequest", [info]);
    },
    onRetry: (info: { attempt: number; delayMs: number; error: unknown }) => {
      this.retries.push({ attempt: info.attempt, delayMs: info.delayMs });
      this.scan("telemetry.onRetry", [info]);
      this.afterRetry?.();
    },
    onResume: (info: unknown) => {
      this.resumes.push(info);
      this.scan("telemetry.onResume", [info]);
    },
    onSseEvent: (info: unknown) => {
      // Scanned without being kept (a 50 MB stream calls this thousands of times).
      const s = inspect(info);
      if (secretIn([s]) !== undefined) this.leaks.push(`telemetry.onSseEvent: ${s.slice(0, 300)}`);
    },
  };
}
