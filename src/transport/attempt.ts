// One HTTP attempt: fetch once under the request timeout and the caller's signal, never following a
// redirect. A stream's 2xx of type text/event-stream is handed on at once; any other reply is read
// by ./reply.ts (loaded on first use), which turns anything but a 2xx of the expected type into an
// error class. It never throws.
import { CodexApiError, RequestTimeoutError, TransportError } from "../errors/catalogue.js";
import { replyDetails } from "../errors/map.js";
import { race } from "./race.js";
import type { AttemptOutcome } from "./retry-loop.js";
import type { HttpAttempt } from "./reply.js";
import type { Reply } from "./send.js";

// Names runtimes give an error when they refuse network access (Deno without --allow-net, a
// browser's CSP): sending again cannot help.
const REFUSED_BY_RUNTIME = new Set(["NotCapable", "PermissionDenied", "SecurityError"]);

/** The error for a fetch that threw: retryable, unless the runtime itself refused the request. */
function fetchFailure(where: string, error: unknown): CodexApiError {
  if (error instanceof CodexApiError) return error;
  const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.name === "string" && REFUSED_BY_RUNTIME.has(e.name)) {
    const message = `${where}: the runtime refused the request (${e.name}: ${String(e.message)})`;
    return new TransportError(message, { cause: error, retryable: false });
  }
  const detail = e?.cause?.code ?? (e?.cause as Error | undefined)?.message ?? e?.message ?? error;
  return new TransportError(`${where}: ${String(detail)}`, { cause: error });
}

/** A stream's 2xx of type text/event-stream (or none) as it is; any other reply read by ./reply.ts. */
async function readReply(a: HttpAttempt, response: Response) {
  const type = response.headers.get("content-type");
  // A missing Content-Type is read as SSE; parameters (`; charset=utf-8`) are allowed.
  const sse = type === null || /^\s*text\/event-stream\s*(;|$)/i.test(type);
  if (a.stream && response.ok && sse)
    return { value: { data: undefined, response }, status: response.status };
  const details = replyDetails(response);
  return (await import("./reply.js")).readReply(a, response, details);
}

/** One send: a 2xx Response, or the error it ended in (never throws). */
export async function sendOnce(a: HttpAttempt): Promise<AttemptOutcome<Reply<unknown>>> {
  // Aborted when the race is lost (the caller's abort, the timeout): fetch and its body stop too.
  const controller = new AbortController();
  const exchange = async () => {
    // Called as a plain function: a browser's or workerd's fetch refuses any other `this`.
    const send = a.send;
    const response = await send(a.url, {
      method: a.method,
      headers: a.headers,
      body: a.body as BodyInit,
      signal: controller.signal,
      redirect: "manual",
    });
    return readReply(a, response);
  };
  const message = `${a.where}: no reply within ${a.timeoutMs} ms (request timeout)`;
  try {
    return await race(exchange(), {
      signal: a.signal,
      ms: a.timeoutMs,
      onTimeout: () => {
        throw new RequestTimeoutError(message);
      },
    });
  } catch (error) {
    controller.abort();
    return { error: fetchFailure(a.where, error) };
  }
}
