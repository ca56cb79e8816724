// The options of `connectResponses` and their checks: each wrong value is an InvalidRequestError
// (`code: "invalid_option"`) naming it, before anything is sent.
import { InvalidRequestError } from "../errors/catalogue.js";
import { checkKeys, optionError } from "../options.js";
import { isTimeout, TIMEOUT_RULE } from "../option-checks.js";
import { isObject } from "../util.js";
import type { WebSocketConstructor } from "./wire.js";

/** The options of `connectResponses`. */
export interface ResponsesSocketOptions {
  /** The WebSocket constructor (default: the `ws` package, loaded on first connect). */
  webSocket?: WebSocketConstructor;
  /**
   * After a 426 reply to the upgrade, send this and every later request over HTTP (default true).
   * `"on-failure"` also does so when a request's attempts are exhausted on socket failures (the
   * upgrade failing with a transport error, a timeout or 5xx; the connection lost, or silent past
   * `streamIdleTimeoutMs`, before a reply); a preconnect's failure never does. `false` never falls
   * back.
   */
  fallbackToHttp?: boolean | "on-failure";
  /** Offer permessage-deflate (default true; `ws` only). */
  perMessageDeflate?: boolean;
  /**
   * Bounds each handshake, in ms (default 15 000; Infinity for none), besides the request timeout:
   * the shorter one ends it, with a retryable `RequestTimeoutError` naming the one that did.
   */
  connectTimeoutMs?: number;
}

/** The default of `connectTimeoutMs`, as Codex's. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

const WHERE = "connectResponses";
// Each option's test and the rule a message states.
const RULES: Record<keyof ResponsesSocketOptions, [(v: unknown) => boolean, string]> = {
  webSocket: [(v) => typeof v === "function", "a WebSocket constructor (a class or function)"],
  fallbackToHttp: [
    (v) => typeof v === "boolean" || v === "on-failure",
    'true, false or "on-failure"',
  ],
  perMessageDeflate: [(v) => typeof v === "boolean", "a boolean"],
  connectTimeoutMs: [isTimeout, TIMEOUT_RULE],
};

/** Throws InvalidRequestError naming the first option of `options` that is unknown or wrong. */
export function checkSocketOptions(options: unknown): asserts options is ResponsesSocketOptions {
  if (!isObject(options)) throw optionError(WHERE, "options", "an object", options);
  checkKeys(options, { where: WHERE, path: "options", known: Object.keys(RULES) });
  for (const [key, [ok, rule]] of Object.entries(RULES)) {
    const value = options[key];
    if (value !== undefined && !ok(value)) throw optionError(WHERE, `options.${key}`, rule, value);
  }
}

// Headers the WebSocket handshake sets itself (key, version, subprotocols, extensions): a caller's
// would be overridden, or make the server answer with what the client did not ask for.
const HANDSHAKE_HEADER = /^sec-websocket-/i;

/**
 * Throws InvalidRequestError (`param` e.g. `options.headers.Sec-WebSocket-Protocol`) at the first
 * header of `headers` that the WebSocket handshake sets itself.
 */
export function checkHandshakeHeaders(
  headers: Record<string, string> | undefined,
  path: string,
  where: string,
): void {
  for (const name of Object.keys(headers ?? {})) {
    if (!HANDSHAKE_HEADER.test(name)) continue;
    const param = `${path}.${name}`;
    const message = `${where}: ${param}: header "${name}" is set by the WebSocket handshake`;
    throw new InvalidRequestError(message, { param, code: "invalid_option" });
  }
}
