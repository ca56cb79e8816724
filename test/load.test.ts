// Code loaded on first use (src/load.ts): a browser that cannot fetch a chunk gets a typed,
// retryable error naming what was loading, and the next call tries again.
import { describe, expect, it } from "vitest";
import { TransportError } from "../src/index.js";
import { loadOnce } from "../src/load.js";

describe("loadOnce", () => {
  it("loads once and hands every caller the same module", async () => {
    let loads = 0;
    const load = loadOnce("thing", async () => ({ n: ++loads }));
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(await load()).toBe(a);
    expect(loads).toBe(1);
  });

  it("turns a failed load into a retryable TransportError, and loads again on the next call", async () => {
    let calls = 0;
    const load = loadOnce("stream failures", async () => {
      calls++;
      if (calls === 1)
        throw new TypeError("Failed to fetch dynamically imported module: /chunk.js");
      return "module";
    });
    const error = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      "could not load the code of stream failures: Failed to fetch dynamically imported module: /chunk.js",
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(await load()).toBe("module");
    expect(calls).toBe(2);
  });
});
