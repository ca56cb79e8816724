// Which response a frame belongs to. One connection carries its requests' frames in order, but a
// server may still send frames of the previous response after the next request went out (late
// deltas, a repeated completed, an error naming it): they come before anything of the new response
// and name the previous response or its items, so a request drops leading frames that do. A
// `response.created` always starts the request's own frames (a mock may reuse ids), and a
// `previous_response_not_found` error is always the request's own (it names the previous response
// because the request did). Only frames
// that could name a response are parsed: a lifecycle frame (`"response":`), or a leading frame
// that mentions an earlier id.
import { isObject } from "../util.js";

/** The response a connection's previous request completed: the ids of it and its output items. */
export interface Earlier {
  ids: string[];
}

/** What a frame is to the running request. */
export type Verdict =
  | "mine"
  /** Its last frame: completed, done, failed or incomplete. */
  | "terminal"
  /** A late frame of the previous response. */
  | "earlier";

const LIFECYCLE = /"response"\s*:/;
const TERMINAL = new Set([
  "response.completed",
  "response.done",
  "response.failed",
  "response.incomplete",
]);
// The most ids of an earlier response looked for in each frame (its last ones).
const MAX_IDS = 16;

// An error that names the previous response because this request named it (`previous_response_id`).
const ABOUT_THIS_REQUEST = new Set(["previous_response_not_found"]);

/** An error frame about this request itself, whatever earlier id it names. */
function aboutThisRequest(frame: Record<string, unknown>): boolean {
  const error = frame["error"];
  return (
    frame["type"] === "error" && isObject(error) && ABOUT_THIS_REQUEST.has(error["code"] as string)
  );
}

const idOf = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** Classifies the frames of one request (see the file's head). */
export class Ownership {
  readonly #earlier: Set<string>;
  readonly #needles: string[];
  // The response ids this request's lifecycle frames named (a server may change it mid-stream).
  readonly #responseIds = new Set<string>();
  #itemIds: string[] = [];
  #started = false; // a frame of this request arrived

  constructor(earlier: Earlier | undefined) {
    this.#earlier = new Set(earlier?.ids.slice(-MAX_IDS));
    this.#needles = [...this.#earlier].map((id) => JSON.stringify(id));
  }

  /** This request's response, once a frame named it (the next request's frames are checked against it). */
  get own(): Earlier | undefined {
    if (this.#responseIds.size === 0) return undefined;
    return { ids: [...this.#responseIds, ...this.#itemIds] };
  }

  /** What `text` (one text frame) is to this request. */
  classify(text: string): Verdict {
    const lifecycle = LIFECYCLE.test(text);
    const leading = !this.#started && this.#needles.some((n) => text.includes(n));
    if (!lifecycle && !leading) return this.#mine("mine");
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.#mine("mine"); // the reader reports it
    }
    if (!isObject(frame)) return this.#mine("mine");
    const response = isObject(frame["response"]) ? frame["response"] : undefined;
    const responseId = idOf(response?.["id"]) ?? idOf(frame["response_id"]);
    if (!this.#started && frame["type"] !== "response.created" && !aboutThisRequest(frame)) {
      const item = isObject(frame["item"]) ? frame["item"] : undefined;
      const itemId = idOf(frame["item_id"]) ?? idOf(item?.["id"]);
      if ([responseId, itemId].some((id) => id !== undefined && this.#earlier.has(id))) {
        return "earlier";
      }
    }
    if (response && responseId) this.#responseIds.add(responseId);
    if (!response || !TERMINAL.has(frame["type"] as string)) return this.#mine("mine");
    const output = Array.isArray(response["output"]) ? (response["output"] as unknown[]) : [];
    this.#itemIds = output.flatMap((o) =>
      isObject(o) && idOf(o["id"]) ? [o["id"] as string] : [],
    );
    return this.#mine("terminal");
  }

  /** A frame of this request: later ones are not checked against the earlier response. */
  #mine(verdict: Verdict): Verdict {
    this.#started = true;
    return verdict;
  }
}
