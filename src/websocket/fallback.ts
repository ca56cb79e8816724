// When a socket moves to HTTP for good (README "Responses over WebSocket", `fallbackToHttp`): on a
// 426 reply to the upgrade; with "on-failure" also when a request's attempts were exhausted on
// socket failures before any frame. Errors the server gave a request never move it.
import {
  CodexApiError,
  RequestTimeoutError,
  StreamIdleTimeoutError,
  TransportError,
} from "../errors/catalogue.js";
import type { SocketContext } from "./attempt.js";
import type { ResponsesSocketOptions } from "./options.js";

/**
 * Why this failure moves the socket to HTTP for good, or undefined when it does not; a preconnect's
 * (`request` false) only on a 426.
 */
export function fallbackReason(
  rule: NonNullable<ResponsesSocketOptions["fallbackToHttp"]>,
  ctx: Pick<SocketContext, "upgradeRequired" | "handshakeFailed">,
  error: unknown,
  request: boolean,
): string | undefined {
  if (rule === false) return undefined;
  if (ctx.upgradeRequired) return "the server refused the WebSocket upgrade (426)";
  if (!request || rule !== "on-failure" || !(error instanceof CodexApiError) || !error.retryable)
    return;
  // Errors that reach here came before any frame: an idle timeout is a first frame that never came.
  const socketFailure =
    error instanceof TransportError ||
    error instanceof RequestTimeoutError ||
    error instanceof StreamIdleTimeoutError ||
    (ctx.handshakeFailed && error.status !== undefined && error.status >= 500);
  if (!socketFailure) return undefined;
  return `the WebSocket failed on every attempt (${error.attempts ?? 1}: ${error.message})`;
}
