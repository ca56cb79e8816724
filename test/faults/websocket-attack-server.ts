// Fault-matrix rows of the WebSocket adversary: a hostile server's frames and silences (a whole
// response before any request, a stray error or close while idle, pings instead of a reply, a close
// handshake never answered, close codes interleaved, invalid UTF-8, a fragmented message past the
// limit, a burst of 5 000 deltas).
import {
  InvalidRequestError,
  InvalidResponseError,
  StreamError,
  StreamIdleTimeoutError,
  TransportError,
} from "../../src/index.js";
import { sleep } from "../helpers/calls.js";
import { responseFrames } from "../helpers/ws-server.js";
import { STREAM_REQUEST } from "./kit.js";
import { SECRET_API_KEY, SECRET_TOKEN } from "./harness.js";
import {
  add,
  kit,
  rawUpgrade,
  SWITCHING,
  drain,
  on,
  oneStream,
  twoTurns,
  errorOf,
  kitOf,
  handshakes,
  numbered,
} from "./websocket-attack-kit.js";

// A hostile server: frames outside any request -----------------------------------------------------

add({
  fault: "a whole stale response sent on connect, before any request (after preconnect)",
  setup: () =>
    kit({
      onConnection: (peer) => peer.send(...responseFrames("resp_stale", "STALE")),
      onRequest: numbered(),
    }),
  run: on({}, async (socket) => {
    await socket.preconnect();
    await sleep(30);
    return drain(await socket.stream(STREAM_REQUEST));
  }),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});
add({
  fault: "a binary frame on connect, before any request (after preconnect)",
  setup: () =>
    kit({
      onConnection: (peer) => peer.index === 0 && peer.binary(new Uint8Array([1, 2, 3])),
      onRequest: numbered(),
    }),
  run: on({}, async (socket) => {
    await socket.preconnect();
    await sleep(30);
    return drain(await socket.stream(STREAM_REQUEST));
  }),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});
add({
  fault: "an in-band 500 while idle between two turns",
  setup: () => {
    const answer = numbered()!;
    return kit({
      onRequest: (peer, request, n) => {
        answer(peer, request, n);
        const stray = { type: "error", status: 500, error: { message: "stray" } };
        setTimeout(() => peer.ws.readyState === 1 && peer.send(stray), 10);
      },
    });
  },
  run: twoTurns(60),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
  // The second turn went on a new connection, in full.
  check: (ctx) => {
    const frames = kitOf(ctx).frames;
    const second = frames[1];
    if (second?.connection !== 1) return [`second turn on connection ${second?.connection}`];
    return "previous_response_id" in second.frame ? ["second turn was incremental"] : [];
  },
});
add({
  fault: "close 1009 while idle between two turns: the next turn reconnects",
  setup: () => {
    const answer = numbered()!;
    return kit({
      onRequest: (peer, request, n) => {
        answer(peer, request, n);
        setTimeout(() => peer.close(1009, "too big"), 10);
      },
    });
  },
  run: twoTurns(60),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});
add({
  fault: "each request answered twice (a second whole response trails the first)",
  setup: () => {
    let n = 0;
    return kit({
      onRequest: (peer) => {
        peer.send(...responseFrames(`resp_${n++}`), ...responseFrames("resp_ghost", "GHOST"));
      },
    });
  },
  run: twoTurns(30),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});

// A hostile server: silence, pings and close codes ---------------------------------------------

add({
  fault: "upgrade accepted, then only pings: no frame ever",
  setup: () =>
    kit({
      onConnection: (peer) => {
        const timer = setInterval(() => peer.ws.readyState === 1 && peer.ping(), 25);
        peer.ws.on("close", () => clearInterval(timer));
      },
      onRequest: () => {},
    }),
  run: oneStream(),
  expect: { error: StreamIdleTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "raw 101, then silence: no frame ever",
  setup: () => rawUpgrade(SWITCHING),
  run: oneStream(),
  expect: { error: StreamIdleTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "raw 101 whose close handshake is never answered: close() gives up",
  setup: () => rawUpgrade(SWITCHING),
  run: on({}, async (socket) => {
    await socket.preconnect();
    const started = Date.now();
    await socket.close();
    return Date.now() - started < 2_000;
  }),
  expect: { ok: true },
  expectedValue: true,
});
add({
  fault: "101 without Sec-WebSocket-Accept",
  setup: () =>
    rawUpgrade(
      () => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    ),
  run: oneStream(),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "close 1009 before a reply: the server's limit, not retried",
  setup: () => kit({ onRequest: (peer) => peer.close(1009, "message too big") }),
  run: oneStream(),
  expect: { error: InvalidRequestError, retryable: false, attempts: 1 },
  check: (_ctx, outcome) =>
    errorOf(outcome)?.code === "request_too_large" ? [] : ["code is not request_too_large"],
});
add({
  fault: "close 1011 then close 1009 on the retry",
  setup: () => kit({ onRequest: (peer) => peer.close(peer.index === 0 ? 1011 : 1009, "no") }),
  run: oneStream(),
  expect: { error: InvalidRequestError, retryable: false, attempts: 2 },
});
add({
  fault: "close 1008 before a reply, its reason echoing the token",
  setup: () => kit({ onRequest: (peer) => peer.close(1008, `bad token ${SECRET_TOKEN}`) }),
  run: oneStream(),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "close 4000 mid-stream, its reason echoing the api-key",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_cut")[0]!);
        setTimeout(() => peer.close(4000, `key ${SECRET_API_KEY}`), 10);
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true, status: 101 },
});
add({
  fault: "close 1000 after response.created, before completed",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_cut")[0]!);
        setTimeout(() => peer.close(1000), 10);
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true, status: 101 },
});

// A hostile server: frames a WebSocket refuses -----------------------------------------------------

add({
  fault: "a text frame of invalid UTF-8 mid-stream",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_utf8")[0]!);
        peer.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true, status: 101 },
});
add({
  fault: "a close whose reason is invalid UTF-8, before a reply",
  setup: () =>
    kit({ onRequest: (peer) => peer.ws.close(4001, Buffer.from([0xc3, 0x28]) as never) }),
  run: oneStream(),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "a message in 200 fragments of 1 KiB past limits.maxEventBytes 64 KiB",
  provider: { limits: { maxEventBytes: 64 * 1024 } },
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_frag")[0]!);
        const chunk = Buffer.alloc(1024, 0x61);
        for (let i = 0; i < 200; i++) peer.ws.send(chunk, { binary: false, fin: i === 199 });
      },
    }),
  run: oneStream(),
  expect: { error: InvalidResponseError, retryable: false, status: 101 },
});
const DELTAS = 5_000;
add({
  fault: `${DELTAS} deltas in one burst to a reader that pauses`,
  setup: () =>
    kit({
      onRequest: (peer) => {
        const [created, , done, completed] = responseFrames("resp_burst");
        const delta = { type: "response.output_text.delta", item_id: "msg_resp_burst", delta: "x" };
        peer.send(created!, ...Array<typeof delta>(DELTAS).fill(delta), done!, completed!);
      },
    }),
  run: on({}, async (socket) => {
    let text = "";
    let n = 0;
    for await (const e of await socket.stream(STREAM_REQUEST)) {
      if (e.type === "outputTextDelta") text += e.delta;
      if (++n % 1_000 === 0) await sleep(5);
    }
    return [n, text.length];
  }),
  expect: { ok: true },
  // created, the deltas, the item's done, completed: none dropped while `ws` was paused.
  expectedValue: [DELTAS + 3, DELTAS],
  deadlineMs: 10_000,
});

add({
  fault: "a preconnected connection the server closes while idle: the stream reconnects",
  setup: () =>
    kit({
      onConnection: (peer) => peer.index === 0 && setTimeout(() => peer.close(1001), 10),
      onRequest: numbered(),
    }),
  run: on({}, async (socket) => {
    await socket.preconnect();
    await sleep(50);
    return drain(await socket.stream(STREAM_REQUEST));
  }),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
  check: handshakes(2),
});
