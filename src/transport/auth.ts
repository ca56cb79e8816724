// Auth: a bearer token (and optionally a ChatGPT account id), read before every attempt. Every call
// into the auth provider is raced against the caller's signal and the request timeout, so a stuck
// provider cannot hang a request; its late answer, or late rejection, is dropped.
import { AuthError, RequestTimeoutError, type ErrorDetails } from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import { race } from "./race.js";

/** Gives the token (and ChatGPT account id) before every attempt, and may refresh it after a 401. */
export interface AuthProvider {
  bearerToken(): string | undefined | Promise<string | undefined>;
  accountId?(): string | undefined | Promise<string | undefined>;
  /** Called on a 401; resolve true when the token was refreshed and the request may be sent again. */
  onUnauthorized?(): Promise<boolean>;
}

/** A plain token is an AuthProvider that always returns it. */
export function toAuthProvider(auth: string | AuthProvider | undefined): AuthProvider | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth === "string") return { bearerToken: () => auth };
  return auth;
}

/** What bounds a call into the auth provider. */
export interface AuthBound {
  /** `METHOD url`, the start of every message. */
  where: string;
  signal?: AbortSignal | undefined;
  /** The request timeout (ms; Infinity for none). */
  timeoutMs: number;
}

/**
 * Runs `call` (a method of the auth provider) raced against `bound`: AbortError when the signal
 * aborts, RequestTimeoutError after the timeout, else its result. A throw or rejection of `call`
 * is an AuthError saying `failed`, with the cause and `details` (a 401's, for a failed refresh).
 */
export function callAuth<T>(
  call: () => T | Promise<T>,
  bound: AuthBound,
  failed: string,
  details: ErrorDetails = {},
): Promise<T> {
  const { where, signal, timeoutMs } = bound;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const task = new Promise<T>((resolve) => resolve(call())).catch((cause: unknown) => {
    throw new AuthError(`${where}: ${failed}`, { ...details, cause });
  });
  const message = `${where}: the auth provider gave no answer within ${timeoutMs} ms (request timeout)`;
  return race(task, {
    signal,
    ms: timeoutMs,
    onTimeout: () => {
      throw new RequestTimeoutError(message);
    },
  });
}

/** `Authorization: Bearer <token>` and `ChatGPT-Account-ID`, for the headers of one attempt. */
export async function authHeaders(
  auth: AuthProvider | undefined,
  bound: AuthBound,
): Promise<Record<string, string>> {
  if (!auth) return {};
  const failed = "the auth provider failed to give a token";
  const [token, accountId] = await callAuth(
    () => Promise.all([auth.bearerToken(), auth.accountId?.()]),
    bound,
    failed,
  );
  const headers: Record<string, string> = {};
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (accountId) headers["ChatGPT-Account-ID"] = accountId;
  return headers;
}
