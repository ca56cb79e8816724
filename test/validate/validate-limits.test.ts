// validate() stays linear on values with very many errors, and lists at most 100 of them.
import { describe, expect, it } from "vitest";
import { MAX_ISSUES, validate } from "../../src/validate/index.js";

const badItems = (n: number) =>
  Array.from({ length: n }, () => ({
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: 5 }],
  }));

describe("validate with many errors", () => {
  it("lists the first 100 issues and counts the rest", () => {
    const result = validate("ResponsesApiRequest", { model: "m", input: badItems(500) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(MAX_ISSUES);
    expect(result.errors.some((e) => e.path === "/input/0/content/0/text")).toBe(true);
    expect(result.errors.length + (result.omitted ?? 0)).toBeGreaterThanOrEqual(500);
  });

  it("reports nothing omitted when there are few issues", () => {
    const result = validate("ResponsesApiRequest", { model: "m", input: badItems(2) });
    expect(result.ok).toBe(false);
    expect(result.ok ? 0 : result.omitted).toBeUndefined();
  });

  it("handles 20 000 failing items (the work grows linearly, not with the square)", () => {
    // Not a timing assertion: count ajv's work through the issues it found, which must all be
    // there — a quadratic join of error lists made this take seconds before.
    const result = validate("ResponsesApiRequest", { model: "m", input: badItems(20_000) });
    expect(result.ok ? 0 : result.errors.length + (result.omitted ?? 0)).toBeGreaterThanOrEqual(
      20_000,
    );
  });
});

describe("validate on values no recursion can walk (the typo check)", () => {
  it("a valid item nested 100 000 levels deep: a result with its typo, no RangeError", () => {
    let deep: Record<string, unknown> = { type: "mesage" };
    for (let i = 0; i < 100_000; i++) deep = { type: "message", role: "user", content: [deep] };
    const result = validate("ResponseItem", deep);
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings?.[0]?.message).toContain('did you mean "message"');
  });

  it("an item that contains itself: valid, each object visited once", () => {
    const item: Record<string, unknown> = { type: "message", role: "user", content: [] };
    (item["content"] as unknown[]).push(item);
    expect(validate("ResponseItem", item)).toEqual({ ok: true });
  });
});
