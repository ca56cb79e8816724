// What a resumable stream (./resumable-source.ts) reads of a payload without mapping it: the id of
// a `response.created`, and its top-level `sequence_number`, read from the text where the text
// leaves no doubt (the last member, or the key before any nested object when it does not come
// again), else parsed: a nested key of the same name (a tool parameter echoed in the response) is
// never taken for it, nor one that a second top-level key overrides.

/** A sequence number: a non-negative safe integer (what `resume(id, { startingAfter })` accepts). */
export function isSequenceNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

const KEY = '"sequence_number"';
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * The digits of the value after the key at `at`, when a `,` or `}` ends them (`last`: a `}` ending
 * the text). A key after a backslash is the end of another (`"\"sequence_number":1`): not read.
 */
function valueAt(data: string, at: number, last: boolean): number | undefined {
  if (data.charCodeAt(at - 1) === 92 /* \ */) return undefined;
  let i = at + KEY.length;
  while (isSpace(data.charCodeAt(i))) i++;
  if (data.charCodeAt(i++) !== 58 /* : */) return undefined;
  while (isSpace(data.charCodeAt(i))) i++;
  const start = i;
  let n = 0;
  for (let c = data.charCodeAt(i); c >= 48 && c <= 57; c = data.charCodeAt(++i))
    n = n * 10 + c - 48;
  if (i === start || i - start > 15 || (data.charCodeAt(start) === 48 && i - start > 1)) return;
  while (isSpace(data.charCodeAt(i))) i++;
  const end = data.charCodeAt(i);
  if (!last) return end === 44 /* , */ || end === 125 /* } */ ? n : undefined;
  if (end !== 125) return undefined;
  for (i++; isSpace(data.charCodeAt(i)); i++);
  return i === data.length ? n : undefined;
}

/** How far into a payload its own key is looked for first (after `type`, where the service writes it). */
const HEAD = 128;
/** How far from its end the last member is looked for first (where the mock writes it). */
const TAIL = 40;

/** The top-level `sequence_number` of a payload's text when it is a sequence number; else undefined. */
export function sequenceOf(data: string): number | undefined {
  // The two places it is written are looked at first, so a long payload (an `output_item.done`
  // carrying all the text) is not parsed. The last member (where the mock writes it) is the one
  // JSON.parse keeps even when the key comes twice.
  const tail = data.indexOf(KEY, data.length - TAIL);
  if (tail >= 0) {
    const value = valueAt(data, tail, true);
    if (value !== undefined) return value;
  }
  // Before any nested object (after `type`, where the service writes it), when the key does not
  // come again: a second top-level one is what JSON.parse keeps (one scan, no parse).
  const head = data.lastIndexOf(KEY, HEAD);
  if (head >= 0 && data.lastIndexOf("{", head) === 0 && data.indexOf(KEY, head + 1) < 0) {
    const value = valueAt(data, head, false);
    if (value !== undefined) return value;
  }
  const at = data.indexOf(KEY);
  // Without the key as written, only a key spelled with an escape (`"\u0073equence_number"`) is one.
  if (at < 0) {
    if (!data.includes("\\u")) return undefined;
  } else {
    // No object opens before the key, and it does not come again: it is the payload's own.
    const own = data.lastIndexOf("{", at) === 0 && data.indexOf(KEY, at + 1) < 0;
    const early = own ? valueAt(data, at, false) : undefined;
    if (early !== undefined) return early;
    // The last member of the payload.
    const late = valueAt(data, data.lastIndexOf(KEY), true);
    if (late !== undefined) return late;
  }
  try {
    const value = (JSON.parse(data) as { sequence_number?: unknown }).sequence_number;
    return isSequenceNumber(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The id of a `response.created` / `response.queued` payload, or undefined. */
export function createdId(data: string): string | undefined {
  if (!data.includes('"response.created"') && !data.includes('"response.queued"')) return undefined;
  try {
    const payload = JSON.parse(data) as { type?: unknown; response?: { id?: unknown } };
    if (payload.type !== "response.created" && payload.type !== "response.queued") return undefined;
    const id = payload.response?.id;
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}
