// Auth: a bearer token (and optionally a ChatGPT account id), read before every attempt.

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

/** `Authorization: Bearer <token>` and `ChatGPT-Account-ID`, for the headers of one attempt. */
export async function authHeaders(auth: AuthProvider | undefined): Promise<Record<string, string>> {
  if (!auth) return {};
  const [token, accountId] = await Promise.all([auth.bearerToken(), auth.accountId?.()]);
  const headers: Record<string, string> = {};
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (accountId) headers["ChatGPT-Account-ID"] = accountId;
  return headers;
}
