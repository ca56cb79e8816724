// A scriptable mock of the Codex / OpenAI Responses protocol, for tests (exported as
// `codex-api/testing`): a real HTTP server on 127.0.0.1 serving the endpoints of the route table
// (routes.ts) under `/` and one base path, with scripted replies and fault knobs (script.ts).
// Node-only.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { InvalidRequestError } from "../errors/catalogue.js";
import { checkKeys } from "../options.js";
import type { Socket } from "node:net";
import { decodeRequest, readBody, type RecordedRequest } from "./requests.js";
import { DEFAULT_BASE_PATH, endpointOf, serve } from "./routes.js";
import { replyCursor, type MockScript } from "./script.js";
import { checkScriptKeys } from "./script-keys.js";
import { checkScript } from "./check-script.js";
import { BACKGROUND_TTL_MS, createStore } from "./stored.js";
import { allowCors, createTimers, writeBody, errorBody } from "./writers.js";
import { socketUpgrades, type RecordedFrame, type RecordedHandshake } from "./sockets.js";

export { cannedEvents, loadRecordedStream } from "./canned.js";
export type { RecordedRequest } from "./requests.js";
export type {
  MockEndpoint,
  MockReply,
  MockReplyEntry,
  MockScript,
  MockSocketScript,
  MockStoredResponse,
  MockUpgrade,
} from "./script.js";
export type { RecordedFrame, RecordedHandshake } from "./sockets.js";

/** A running mock server. */
export interface MockServer {
  /** "http://127.0.0.1:<port>" (no trailing slash). */
  url: string;
  /**
   * Every request received, in order: HTTP requests, and each request frame of a WebSocket (with
   * `method` "WEBSOCKET", the handshake's path and headers, and the frame as `body`).
   */
  requests: RecordedRequest[];
  /** Every WebSocket handshake on /responses, in order. */
  handshakes: RecordedHandshake[];
  /** Every frame clients sent over WebSockets, in order. */
  frames: RecordedFrame[];
  /** Sockets currently open on the server side. */
  openConnections(): number;
  /** Destroys open sockets, clears every timer, resolves when the server is closed. Idempotent. */
  close(): Promise<void>;
}

/** How the mock server listens. */
export interface MockServerOptions {
  /** Default: a free port. */
  port?: number;
  /**
   * Default false. Answer a browser page of any origin: every reply allows it and exposes all its
   * headers, and a preflight `OPTIONS` gets a 204 allowing the requested headers (it is not recorded).
   */
  cors?: boolean;
  /** Default "/v1": the routes are served under `/` and under this path; other paths get a 404. */
  basePath?: string;
  /**
   * Default: any model. The models the server has: a POST naming another `model` gets the
   * service's 400 `model_not_found`, over HTTP and WebSocket alike.
   */
  models?: readonly string[];
  /**
   * Default 300 000 (ms). How long the events of a `background: true` request stream again
   * (GET /responses/{id}?stream=true); after it, that GET gets a 400 "can no longer be streamed".
   */
  backgroundTtlMs?: number;
}

/** Answers 500 for a request whose reply threw (or ends the reply when headers were sent). */
function failed(res: ServerResponse, headers: Record<string, string>, thrown: unknown): void {
  if (res.headersSent) return void res.destroy();
  const message = `mock server: ${(thrown as Error)?.message ?? String(thrown)}`;
  writeBody(
    { res, timers: createTimers(), headers },
    errorBody(500, {
      message,
      type: "server_error",
      code: "mock_failure",
    }),
  );
}

/** Throws InvalidRequestError unless the options are ones the server can listen with. */
function checkOptions(options: unknown): asserts options is MockServerOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidRequestError("startMockServer: options must be an object", {
      code: "invalid_option",
    });
  }
  const where = "startMockServer";
  checkKeys(options, {
    where,
    path: "options",
    known: ["port", "cors", "basePath", "models", "backgroundTtlMs"],
  });
  const { port, cors, basePath, models } = options as MockServerOptions;
  const bad = (what: string) =>
    new InvalidRequestError(`startMockServer: ${what}`, { code: "invalid_option" });
  // A path without its leading "/", or with a dot segment, would never match a request's path.
  const pathOk =
    typeof basePath === "string" &&
    basePath.startsWith("/") &&
    !basePath.split("/").some((segment) => segment === "." || segment === "..");
  if (basePath !== undefined && !pathOk) {
    throw bad('options.basePath must be a path starting with "/" (such as "/v1"), without . or ..');
  }
  const list = Array.isArray(models) && models.every((m) => typeof m === "string");
  if (models !== undefined && !list) throw bad("options.models must be an array of strings");
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw bad("options.port must be an integer in 0..65535");
  }
  if (cors !== undefined && typeof cors !== "boolean") throw bad("options.cors must be a boolean");
}

/** Starts a mock server on 127.0.0.1 (a free port unless `options.port`). */
export function startMockServer(
  script: MockScript = {},
  options: MockServerOptions = {},
): Promise<MockServer> {
  try {
    checkScriptKeys(script);
    checkScript(script);
    checkOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const requests: RecordedRequest[] = [];
  const handshakes: RecordedHandshake[] = [];
  const frames: RecordedFrame[] = [];
  const sockets = new Set<Socket>();
  const timers = createTimers();
  const nextReply = replyCursor(script);
  const store = createStore(script.storedResponses);
  let received = 0;
  const basePath = options.basePath ?? DEFAULT_BASE_PATH;
  const { models } = options;
  const backgroundTtlMs = options.backgroundTtlMs ?? BACKGROUND_TTL_MS;
  let canned = 0;
  const cannedSeq = () => ++canned; // numbers the canned /responses replies, HTTP and WebSocket
  let closing: Promise<void> | undefined;

  const server = createServer((req, res) => {
    if (closing) return void req.socket.destroy();
    if (options.cors && allowCors(req, res)) return;
    readBody(req, (raw) => {
      if (closing) return void req.socket.destroy();
      const { request: decoded, error } = decodeRequest(req, raw);
      const request = { endpoint: endpointOf(decoded.path, decoded.method, basePath), ...decoded };
      requests.push(request);
      const headers = { "x-request-id": `req_${++received}` };
      const exchange = {
        ...{ request, error, script, nextReply, store, cannedSeq, basePath, models },
        backgroundTtlMs,
      };
      try {
        serve({ res, timers, headers }, exchange);
      } catch (thrown) {
        // A mock never takes its host process down: what it could not play is a 500.
        failed(res, headers, thrown);
      }
    });
  });
  const closingNow = () => closing !== undefined;
  const upgrade = socketUpgrades({
    script,
    nextReply,
    timers,
    handshakes,
    frames,
    requests,
    cannedSeq,
    basePath,
    models,
    closing: closingNow,
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch {
      socket.destroy(); // never the host process
    }
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (closing) socket.destroy();
  });

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      timers.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
      server.close(() => {
        timers.clear();
        done();
      });
      server.closeAllConnections();
    });
    return closing;
  };

  return new Promise<MockServer>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      const url = `http://127.0.0.1:${port}`;
      const openConnections = () => sockets.size;
      resolve({ url, requests, handshakes, frames, openConnections, close });
    });
  });
}
