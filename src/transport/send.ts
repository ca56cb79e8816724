// The contract between the generated typed functions (src/generated/client.ts) and a transport:
// the request a function builds, the reply it resolves with, and how query values become wire text.
// Hand-written and a leaf (it imports nothing), so it type-checks before anything is generated.

/** One query value as a schema types it; an array is sent as one `key=value` pair per element. */
export type QueryValue = string | number | boolean;

/** The query parameters of one call, as typed by the schema; undefined ones are not sent. */
export type QueryParams = {
  readonly [name: string]: QueryValue | readonly QueryValue[] | undefined;
};

/** One request of a typed function, as a `Send` puts it on the wire. */
export interface OperationRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path, its parameters filled in and percent-encoded. */
  path: string;
  /** The query as wire text, in order (see `formQuery`). */
  query?: [string, string][] | undefined;
  /** The JSON body, not yet serialized. */
  body?: unknown;
  /** A stream's body is handed back unread (its reply must be text/event-stream); any other is parsed as JSON. */
  stream: boolean;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

/** A 2xx reply: `data` is its parsed JSON body (undefined for a stream, whose body is unread). */
export interface Reply<T> {
  data: T;
  response: Response;
}

/** Sends one request and resolves with its 2xx reply: where retries, auth and timeouts live. */
export type Send = (request: OperationRequest) => Promise<Reply<unknown>>;

/** What each call may add to the request besides its body and parameters. */
export interface OperationInit {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A value as wire text: integers in decimal (never exponent notation), booleans `true` / `false`. */
function queryText(value: QueryValue): string {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString();
  return String(value);
}

/**
 * The query pairs of `query` in form style, exploded: `key=value` per value, one pair per element
 * of an array (`include=a&include=b`), undefined values left out. Percent-encoding is the URL's.
 */
export function formQuery(query: QueryParams | undefined): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    const values: readonly QueryValue[] = Array.isArray(value) ? value : [value as QueryValue];
    for (const v of values) pairs.push([name, queryText(v)]);
  }
  return pairs;
}
