// Shared by the JSON endpoints: the documented-shape check of a 2xx reply.
import { InvalidResponseError, snippet } from "./errors.js";

/** Throws InvalidResponseError (status, requestId, the start of the body) when `ok` is false. */
export function expectShape(ok: boolean, what: string, data: unknown, response: Response): void {
  if (ok) return;
  const requestId = response.headers.get("x-request-id") ?? undefined;
  throw new InvalidResponseError(
    `${what}: the reply is not of the documented shape: ${snippet(JSON.stringify(data) ?? "")}`,
    {
      status: response.status,
      headers: response.headers,
      ...(requestId === undefined ? {} : { requestId }),
    },
  );
}

export const isObjectWithType = (v: unknown): boolean =>
  typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string";
