// For the cases on code loaded on first use: the client imported anew (so a load is a real one, not
// a module an earlier test cached), and a file that fails on any unhandled rejection.
import { afterAll, beforeAll, expect, vi } from "vitest";
import type * as Api from "../../src/index.js";

/** The public API, imported anew. */
export async function fresh(): Promise<typeof Api> {
  vi.resetModules();
  return import("../../src/index.js");
}

/** Fails the calling file when any rejection went unhandled while it ran. */
export function failOnUnhandledRejections(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeAll(() => void process.on("unhandledRejection", onUnhandled));
  afterAll(async () => {
    await new Promise((r) => setTimeout(r, 20));
    process.off("unhandledRejection", onUnhandled);
    expect(unhandled).toEqual([]);
  });
}
