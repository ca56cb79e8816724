// URL building: the provider's base URL, a path and the percent-encoded query (README "Options",
// `provider.baseUrl` and `provider.queryParams`).

/** The part of the provider's configuration that a URL is built from. */
export interface UrlConfig {
  /** e.g. `https://api.openai.com/v1`; trailing slashes are trimmed. */
  baseUrl: string;
  /** Appended to every URL, percent-encoded. */
  queryParams?: Record<string, string> | undefined;
}

/** The base URL with trailing slashes trimmed. */
export function baseUrlOf(provider: UrlConfig): string {
  return provider.baseUrl.replace(/\/+$/, "");
}

/**
 * `url` with `query` percent-encoded (undefined values left out), before the query the URL already
 * has (the provider's params first, then a call's own, as `client_version` follows them on GET
 * /models).
 */
export function withQuery(
  url: string,
  query: Record<string, string | undefined> | undefined,
): string {
  const defined = Object.entries(query ?? {}).filter(
    (e): e is [string, string] => e[1] !== undefined,
  );
  const q = new URLSearchParams(defined).toString();
  if (!q) return url;
  const [path, own] = url.split(/\?(.*)/s);
  return `${path}?${q}${own ? `&${own}` : ""}`;
}

/** base URL (trailing slashes trimmed) + path (leading slashes trimmed) + encoded query. */
export function urlFor(provider: UrlConfig, path: string): string {
  const base = baseUrlOf(provider);
  const rest = path.replace(/^\/+/, "");
  return withQuery(rest ? `${base}/${rest}` : base, provider.queryParams);
}
