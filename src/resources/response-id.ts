// The one check of a response id before it goes into a path (retrieve, cancel, delete, input items,
// the streamed GET). A leaf, so that the methods loaded on first use can check synchronously.
import { InvalidRequestError } from "../errors/catalogue.js";

// A high surrogate not followed by a low one, or a low one not after a high one.
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Throws InvalidRequestError (`param: "id"`, `code: "invalid_option"`) unless `id` can name a
 * response in a path: a non-empty string other than `.` and `..` (which a URL would resolve away),
 * without a lone UTF-16 surrogate (which no URL can percent-encode).
 */
export function checkResponseId(id: unknown, where: string): asserts id is string {
  if (typeof id === "string" && id !== "" && id !== "." && id !== ".." && !LONE.test(id)) return;
  const got =
    typeof id !== "string"
      ? `a ${id === null ? "null" : typeof id}`
      : LONE.test(id)
        ? "a lone surrogate"
        : JSON.stringify(id);
  throw new InvalidRequestError(
    `${where}: the id must be a non-empty, well-formed string (got ${got})`,
    {
      param: "id",
      code: "invalid_option",
    },
  );
}
