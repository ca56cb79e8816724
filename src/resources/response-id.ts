// The one check of a response id before it goes into a path (retrieve, cancel, delete, input items,
// the streamed GET). A leaf, so that the methods loaded on first use can check synchronously.
import { InvalidRequestError } from "../errors/catalogue.js";

/**
 * Throws InvalidRequestError (`param: "id"`, `code: "invalid_option"`) unless `id` can name a
 * response in a path: a non-empty string other than `.` and `..` (which a URL would resolve away).
 */
export function checkResponseId(id: unknown, where: string): asserts id is string {
  if (typeof id === "string" && id !== "" && id !== "." && id !== "..") return;
  const got = typeof id === "string" ? JSON.stringify(id) : `a ${id === null ? "null" : typeof id}`;
  throw new InvalidRequestError(`${where}: the id must be a non-empty string (got ${got})`, {
    param: "id",
    code: "invalid_option",
  });
}
