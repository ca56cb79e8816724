// Fault-matrix rows of the WebSocket adversary: a hostile server's secrets and odd values (the token
// echoed in a 101's x-request-id, a refusal, a Location, plan_type and frames; plan
// types that are numbers, blank or `__proto__`; in-band errors of odd statuses and headers;
// previous_response_not_found naming the previous response).
import {
  AuthError,
  CodexApiError,
  InvalidRequestError,
  ServerError,
  StreamError,
  UsageLimitReachedError,
} from "../../src/index.js";
import { responseFrames } from "../helpers/ws-server.js";
import { SECRET_API_KEY, SECRET_TOKEN } from "./harness.js";
import { add, kit, oneStream, twoTurns, errorOf, kitOf, numbered } from "./websocket-attack-kit.js";

// A hostile server: secrets and odd values ---------------------------------------------------------

add({
  fault: "101 whose x-request-id echoes the token, then an in-band 400",
  setup: () =>
    kit({
      upgradeHeaders: () => ({ "x-request-id": SECRET_TOKEN, "x-echo": `Bearer ${SECRET_TOKEN}` }),
      onRequest: (peer) =>
        peer.send({ type: "error", status: 400, error: { message: "bad", code: "bad" } }),
    }),
  run: oneStream(),
  expect: { error: InvalidRequestError, status: 400, retryable: false },
});
add({
  fault: "101 whose x-request-id echoes the token, then a close mid-stream",
  setup: () =>
    kit({
      upgradeHeaders: () => ({ "x-request-id": SECRET_TOKEN }),
      onRequest: (peer) => {
        peer.send(responseFrames("resp_cut")[0]!);
        setTimeout(() => peer.close(1011), 10);
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true },
});
add({
  fault: "upgrade 401 echoing the token in WWW-Authenticate, x-request-id and body",
  setup: () =>
    kit({
      refuse: () => ({
        status: 401,
        headers: {
          "www-authenticate": `Bearer realm="${SECRET_TOKEN}"`,
          "x-request-id": SECRET_TOKEN,
          "content-type": "text/plain",
        },
        body: `no such key ${SECRET_API_KEY} for token ${SECRET_TOKEN}`,
      }),
    }),
  run: oneStream(),
  expect: { error: AuthError, status: 401, retryable: false },
});
add({
  fault: "upgrade 302 to a Location carrying secrets in host, userinfo and query",
  setup: () =>
    kit({
      refuse: () => ({
        status: 302,
        headers: {
          location: `https://user:${SECRET_TOKEN}@${SECRET_TOKEN}.evil.example/?api-key=${SECRET_API_KEY}`,
        },
      }),
    }),
  run: oneStream(),
  expect: { error: InvalidRequestError, status: 302, retryable: false, attempts: 1 },
  check: (_ctx, outcome) => (errorOf(outcome)?.code === "redirect" ? [] : ["code is not redirect"]),
});
add({
  fault: "upgrade 429 usage_limit_reached whose plan_type echoes the token",
  setup: () =>
    kit({
      refuse: () => ({
        status: 429,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          error: { type: "usage_limit_reached", message: "limit", plan_type: SECRET_TOKEN },
        }),
      }),
    }),
  run: oneStream(),
  expect: { error: UsageLimitReachedError, status: 429, retryable: false },
});
add({
  fault: "in-band 429 usage_limit_reached whose plan_type is a number",
  setup: () =>
    kit({
      onRequest: (peer) =>
        peer.send({
          type: "error",
          status: 429,
          error: { type: "usage_limit_reached", message: "limit", plan_type: 42 },
        }),
    }),
  run: oneStream(),
  expect: { error: UsageLimitReachedError, status: 429, retryable: false },
  check: (_ctx, outcome) =>
    (errorOf(outcome) as UsageLimitReachedError | undefined)?.planType === undefined
      ? []
      : ["planType set from a number"],
});
const PLANS: unknown[] = [42, "", "   ", "  plus  ", null, { name: "pro" }, ["pro"], "__proto__"];
add({
  fault: "codex.rate_limits frames whose plan_type is a number, blank, padded, null, an object…",
  setup: () =>
    kit({
      onRequest: (peer) => {
        for (const plan of PLANS) {
          peer.send({
            type: "codex.rate_limits",
            plan_type: plan,
            rate_limits: { primary: { used_percent: 10, window_minutes: 60 } },
          });
        }
        peer.send(...responseFrames("resp_plans"));
      },
    }),
  run: async (ctx) => {
    const events = await oneStream()(ctx);
    return events.flatMap((e) => (e.type === "rateLimits" ? [e.snapshot.planType ?? null] : []));
  },
  expect: { ok: true },
  expectedValue: [null, null, null, "plus", null, null, null, "__proto__"],
});
add({
  fault: 'codex.rate_limits with "__proto__" keys at every level',
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(
          '{"type":"codex.rate_limits","__proto__":{"plan_type":"pro"},"rate_limits":{"__proto__":{"primary":{"used_percent":99}},"primary":{"used_percent":5}}}',
        );
        peer.send(...responseFrames("resp_proto"));
      },
    }),
  run: async (ctx) => {
    const events = await oneStream()(ctx);
    const polluted = ({} as Record<string, unknown>)["plan_type"] !== undefined;
    return [polluted, events.filter((e) => e.type === "rateLimits")];
  },
  expect: { ok: true },
  expectedValue: [false, [{ type: "rateLimits", snapshot: { primary: { usedPercent: 5 } } }]],
});
add({
  fault: "in-band error frames of status 200, -1, 99, 1e400 and a string",
  setup: () => {
    const statuses: unknown[] = [200, -1, 99, "1e400", "503"];
    return kit({
      onRequest: (peer) =>
        peer.send({
          type: "error",
          status: statuses[Math.min(peer.index, statuses.length - 1)],
          error: { message: "odd status" },
        }),
    });
  },
  retry: { maxAttempts: 5 },
  run: oneStream(),
  expect: { error: CodexApiError },
});
add({
  fault: "in-band 503 whose headers are a string, then an array, then retry-after-ms 1e400",
  setup: () => {
    const headers: unknown[] = ["retry-after-ms: 1", ["x"], { "retry-after-ms": "1e400" }];
    return kit({
      onRequest: (peer) =>
        peer.send({
          type: "error",
          status: 503,
          error: { message: "busy" },
          headers: headers[Math.min(peer.index, 2)],
        }),
    });
  },
  run: oneStream(),
  expect: { error: ServerError, status: 503, retryable: true, attempts: 3 },
});
add({
  fault: "first frame JSON null, then silence",
  setup: () => kit({ onRequest: (peer) => peer.send("null") }),
  run: oneStream(),
  expect: { error: CodexApiError },
});
add({
  fault:
    "previous_response_not_found naming the previous response is answered on the same connection",
  setup: () => {
    let n = 0;
    return kit({
      onRequest: (peer, request) => {
        const previous = request["previous_response_id"];
        if (typeof previous === "string") {
          return peer.send({
            type: "error",
            status: 400,
            response_id: previous,
            error: {
              code: "previous_response_not_found",
              message: `Previous response with id "${previous}" not found.`,
              param: "previous_response_id",
            },
          });
        }
        peer.send(...responseFrames(`resp_${n++}`));
      },
    });
  },
  run: twoTurns(),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
  check: (ctx) => {
    const frames = kitOf(ctx).frames.map((f) => f.connection);
    const retries = ctx.capture.retries.length;
    return frames.join() === "0,0,0" && retries === 0
      ? []
      : [`frames on connections ${frames.join()}, ${retries} retries`];
  },
});

// A hostile server: the token echoed inside frames ------------------------------------------------

add({
  fault: "a frame whose type is the token (onSseEvent telemetry)",
  setup: () =>
    kit({
      onRequest: (peer) => {
        const [created, ...rest] = responseFrames("resp_echo");
        peer.send(created!, { type: `echo.${SECRET_TOKEN}` }, ...rest);
      },
    }),
  run: async (ctx) => (await oneStream()(ctx)).length,
  expect: { ok: true },
  expectedValue: 4,
});
add({
  fault: "response.failed whose message, code and param echo the token and api-key",
  setup: () =>
    kit({
      onRequest: (peer) => {
        const error = {
          code: `c_${SECRET_TOKEN}`,
          message: `bad ${SECRET_API_KEY}`,
          param: SECRET_TOKEN,
        };
        peer.send(responseFrames("resp_f")[0]!, {
          type: "response.failed",
          response: { id: "resp_f", status: "failed", error },
        });
      },
    }),
  run: oneStream(),
  expect: { error: CodexApiError, status: 101 },
});
add({
  fault: "an error frame without status whose type and param echo the token",
  setup: () =>
    kit({
      onRequest: (peer) =>
        peer.send(responseFrames("resp_e")[0]!, {
          type: "error",
          error: { type: SECRET_TOKEN, param: `p ${SECRET_API_KEY}`, message: "x" },
        }),
    }),
  run: oneStream(),
  expect: { error: CodexApiError },
});
