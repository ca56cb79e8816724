// The fault matrix (issue #6): every case of cases.ts through the real client against a real
// server on 127.0.0.1, each checked for its documented outcome and for no hang, no leak, no
// unhandled rejection, no secret and no lost event. Prints the summary line from afterAll.
import { authFor, type FaultCase, type RunContext, type Served } from "./kit.js";
import { CASES as HTTP_CASES } from "./cases.js";
import { afterAll, describe, expect, it } from "vitest";
import { createClient, type ClientOptions } from "../../src/index.js";
import { CodexApiError } from "../../src/index.js";
import { CALLER_CASES } from "./caller-rows.js";
import { HARDENING_CASES } from "./hardening.js";
import { ROUND3_CASES } from "./round3.js";
// round3-secrets.ts adds its rows to ROUND3_CASES.
import "./round3-secrets.js";
import { ATTACK_CASES } from "./round3-attack.js";
// round3-attack-caller.ts adds its rows to ATTACK_CASES.
import "./round3-attack-caller.js";
import { STREAM_CASES } from "./stream-rows.js";
import { RESUME_CASES } from "./resume-rows.js";
import { RESUME_ATTACK_CASES } from "./resume-attack.js";
import { RESUME_HOSTILE_CASES } from "./resume-hostile.js";
import { RESUME_ATTACK2_CASES } from "./resume-attack2.js";
import { WEBSOCKET_CASES } from "./websocket-cases.js";
import { WS_ATTACK_CASES } from "./websocket-attack.js";
import { LAZY_ATTACK_CASES } from "./lazy-attack.js";
import { SOCKET_FALLBACK_CASES } from "./socket-fallback.js";
import { FALLBACK_ATTACK_CASES } from "./fallback-attack.js";
import { ROUND_ATTACK_CASES } from "./round-attack.js";
import {
  Capture,
  counters,
  DeadlineExceeded,
  DEFAULT_DEADLINE_MS,
  errorTexts,
  handleCounts,
  installUnhandledTracker,
  pollUntil,
  SECRET_ACCOUNT,
  SECRET_API_KEY,
  SECRET_TOKEN,
  SECRET_URL_PASSWORD,
  SECRET_X_API_KEY,
  secretIn,
  setCurrentCase,
  summaryLine,
  unhandledLog,
  withDeadline,
} from "./harness.js";
import { sleep } from "../helpers/calls.js";

installUnhandledTracker();

const caseName = (c: FaultCase) => `${c.endpoint}: ${c.fault}`;

function contextFor(c: FaultCase, served: Served): RunContext {
  const capture = new Capture();
  const { auth, refreshes } = authFor(c);
  const base: ClientOptions = {
    provider: {
      baseUrl: `${served.url}/v1`,
      // Secret-named headers every case sends: none may surface anywhere.
      headers: { "api-key": SECRET_API_KEY, "x-api-key": SECRET_X_API_KEY },
      retry: { maxAttempts: 3, baseDelayMs: 5, retry429: true, maxDelayMs: 1_000, ...c.retry },
      requestTimeoutMs: c.requestTimeoutMs ?? 300,
      streamIdleTimeoutMs: c.streamIdleTimeoutMs ?? 200,
      ...c.provider,
    },
    auth,
    telemetry: capture.telemetry,
    logger: capture.logger,
  };
  const client = createClient(c.options ? c.options(base) : base);
  return { client, capture, served, refreshes };
}

const describeError = (e: unknown) =>
  e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);

/** Runs one case; returns its problems (empty when the case passed every check). */
async function runCase(c: FaultCase): Promise<string[]> {
  const name = caseName(c);
  const problems: string[] = [];
  counters.cases++;
  counters.faults.add(c.fault);
  counters.endpoints.add(c.endpoint);
  setCurrentCase(name);
  const unhandledBefore = counters.unhandled;
  const before = handleCounts();
  const servers: Served[] = [];
  const deadline = c.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const secretHits: string[] = [];

  try {
    const served = await c.setup();
    servers.push(served);
    const ctx = contextFor(c, served);

    let value: unknown;
    let error: unknown;
    let failed = false;
    try {
      value = await withDeadline(c.run(ctx), deadline, name);
    } catch (e) {
      if (e instanceof DeadlineExceeded) {
        counters.hangs++;
        counters.overran.push(name);
        problems.push(e.message);
        return problems;
      }
      error = e;
      failed = true;
    }

    // The documented outcome.
    const want = c.expect;
    if ("ok" in want) {
      if (failed) problems.push(`expected success, got ${describeError(error)}`);
    } else if (!failed) {
      problems.push(`expected ${want.error.name}, but the call succeeded`);
    } else if (!(error instanceof want.error)) {
      problems.push(`expected ${want.error.name}, got ${describeError(error)}`);
    } else {
      const err = error as CodexApiError;
      if (want.status !== undefined && err.status !== want.status)
        problems.push(`status ${err.status}, want ${want.status}`);
      if (want.retryable !== undefined && err.retryable !== want.retryable)
        problems.push(`retryable ${err.retryable}, want ${want.retryable}`);
      if (want.attempts !== undefined && err.attempts !== want.attempts)
        problems.push(`attempts ${err.attempts}, want ${want.attempts}`);
      if (want.requestId === "last" && err.requestId !== served.lastRequestId())
        problems.push(`requestId ${err.requestId}, want ${served.lastRequestId()}`);
    }
    if (failed && !(error instanceof CodexApiError) && !("ok" in want))
      problems.push(`not a CodexApiError: ${describeError(error)}`);
    if (c.check) {
      for (const p of c.check(ctx, failed ? { error } : { value })) problems.push(p);
    }
    if (failed) {
      const hit = secretIn(errorTexts(error));
      if (hit !== undefined) secretHits.push(`error: ${hit.slice(0, 300)}`);
    }
    secretHits.push(...ctx.capture.leaks);

    // No lost event: a successful run observes what an unfaulted run observes.
    if (!failed && (c.baseline || c.expectedValue !== undefined)) {
      let expected: unknown = c.expectedValue;
      if (c.baseline) {
        const clean = await c.baseline();
        servers.push(clean);
        const bctx = contextFor(c, clean);
        try {
          expected = await withDeadline(c.run(bctx), deadline, `${name} (baseline)`);
        } catch (e) {
          problems.push(`the unfaulted baseline run failed: ${describeError(e)}`);
        }
        secretHits.push(...bctx.capture.leaks);
      }
      const got = JSON.stringify(value);
      const exp = JSON.stringify(expected);
      if (expected !== undefined && got !== exp) {
        counters.lost++;
        problems.push(`lost/changed events: got ${got.slice(0, 400)}… want ${exp.slice(0, 400)}…`);
      }
    }

    if (secretHits.length > 0) {
      counters.secrets++;
      problems.push(...secretHits.map((h) => `secret leaked in ${h}`));
    }
  } finally {
    // No leak (the rule is spelled out in harness.ts).
    let leaked = false;
    const open = () => servers.reduce((n, s) => n + s.openConnections(), 0);
    if (!(await pollUntil(() => open() === 0))) {
      leaked = true;
      problems.push(`${open()} server-side socket(s) still open after the case`);
    }
    await Promise.all(servers.map((s) => s.close()));
    const settled = await pollUntil(() => {
      const now = handleCounts();
      return now.timeouts <= before.timeouts && now.sockets <= before.sockets;
    });
    if (!settled) {
      leaked = true;
      const now = handleCounts();
      problems.push(
        `handles left: Timeout ${before.timeouts}→${now.timeouts}, TCPSocketWrap ${before.sockets}→${now.sockets}`,
      );
    }
    if (leaked) counters.leaks++;
    // Let late rejections surface before the case is left.
    await sleep(1);
    if (counters.unhandled > unhandledBefore)
      problems.push(`unhandled rejection(s): ${unhandledLog.slice(unhandledBefore).join(" | ")}`);
    setCurrentCase("(between cases)");
  }
  return problems;
}

describe("harness self-check (the checks can fail)", () => {
  it("finds a secret deep in a cause chain, a logger line and a telemetry payload", () => {
    const inner = Object.assign(new Error("inner"), { header: `Bearer ${SECRET_TOKEN}` });
    expect(secretIn(errorTexts(new Error("outer", { cause: inner })))).toBeDefined();
    expect(secretIn(errorTexts(new Error("clean", { cause: new Error("also clean") })))).toBe(
      undefined,
    );
    const capture = new Capture();
    capture.logger.warn("sending", { "chatgpt-account-id": SECRET_ACCOUNT });
    capture.telemetry.onRequest({ error: new Error("x", { cause: SECRET_TOKEN }) });
    expect(capture.leaks).toHaveLength(2);
  });

  it("finds an api-key in JSON.stringify of an error and a URL password in a payload", () => {
    // Only JSON.stringify sees what toJSON returns.
    const error = Object.assign(new Error("clean"), { toJSON: () => ({ key: SECRET_API_KEY }) });
    expect(secretIn([error.message, String(error)])).toBe(undefined);
    expect(secretIn(errorTexts(error))).toBeDefined();
    const capture = new Capture();
    capture.telemetry.onRetry({
      attempt: 1,
      delayMs: 1,
      error: `http://u:${SECRET_URL_PASSWORD}@h`,
    });
    expect(capture.leaks).toHaveLength(1);
  });

  it("a deadline rejects a run that never settles", async () => {
    await expect(withDeadline(new Promise(() => {}), 20, "self-check")).rejects.toBeInstanceOf(
      DeadlineExceeded,
    );
  });
});

const CASES = [
  ...HTTP_CASES,
  ...CALLER_CASES,
  ...HARDENING_CASES,
  ...STREAM_CASES,
  ...WEBSOCKET_CASES,
  ...ROUND3_CASES,
  ...ATTACK_CASES,
  ...RESUME_CASES,
  ...WS_ATTACK_CASES,
  ...RESUME_ATTACK_CASES,
  ...RESUME_HOSTILE_CASES,
  ...RESUME_ATTACK2_CASES,
  ...LAZY_ATTACK_CASES,
  ...SOCKET_FALLBACK_CASES,
  ...FALLBACK_ATTACK_CASES,
  ...ROUND_ATTACK_CASES,
];

describe("fault matrix", () => {
  for (const c of CASES) {
    it(
      caseName(c),
      async () => {
        const problems = await runCase(c);
        expect(problems, caseName(c)).toEqual([]);
      },
      (c.deadlineMs ?? DEFAULT_DEADLINE_MS) + 10_000,
    );
  }

  it("no unhandled rejection during the whole run", async () => {
    await sleep(20);
    expect(unhandledLog).toEqual([]);
  });

  afterAll(() => {
    if (counters.overran.length > 0)
      console.log(`fault matrix: overran: ${counters.overran.join("; ")}`);
    console.log(summaryLine());
  });
});
