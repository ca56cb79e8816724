// Typos in `type`: the schema accepts an item, content part or event of a type it does not know (an
// open variant, as real servers add types), so a `"mesage"` would pass silently. These checks find
// an unknown `type` one edit (two for names of 8 characters or more) away from a known one, and
// report it as a warning.
import { closest } from "./suggest.js";

/** One thing wrong with a value: where (a JSON Pointer) and what. */
export interface ValidationIssue {
  /** JSON Pointer into the value, e.g. `/content/0/text` (empty for the value itself). */
  path: string;
  message: string;
}

/** Every `type` value the schema names (`properties.type.const` or `.enum` anywhere in it). */
export function knownTypes(schema: unknown): Set<string> {
  const known = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const type = (node as { properties?: { type?: { const?: unknown; enum?: unknown } } })
      .properties?.type;
    if (typeof type?.const === "string") known.add(type.const);
    if (Array.isArray(type?.enum))
      for (const v of type.enum) if (typeof v === "string") known.add(v);
    Object.values(node).forEach(walk);
  };
  walk(schema);
  return known;
}

const escape = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** The issue for an unknown `type` close to a known one, or undefined. */
function typoOf(type: unknown, path: string, known: Set<string>): ValidationIssue | undefined {
  if (typeof type !== "string" || type.length < 4 || known.has(type)) return undefined;
  // One edit for short names (`exit` is no typo of `text`), two for longer ones.
  const near = closest(type, known, type.length < 8 ? 1 : 2);
  if (!near) return undefined;
  const message = `unknown type ${JSON.stringify(type)} (it passes as an open variant); did you mean ${JSON.stringify(near)}?`;
  return { path: `${path}/type`, message };
}

/**
 * The `type` values in `value` that are unknown but close to a known one, at most `max`. A loop,
 * not a recursion, that visits each object once: a value nested 100 000 deep, or one that refers
 * to itself, is walked without overflowing the stack.
 */
export function typeTypos(value: unknown, known: Set<string>, max = 100): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length > 0 && issues.length < max) {
    const [node, path] = stack.pop()!;
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    const issue = Array.isArray(node)
      ? undefined
      : typoOf((node as { type?: unknown }).type, path, known);
    if (issue) issues.push(issue);
    // Pushed last first, so that issues come in document order.
    const entries = Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, v] = entries[i]!;
      stack.push([v, `${path}/${escape(key)}`]);
    }
  }
  return issues;
}
