// The root export must run wherever fetch and web streams exist: bundled for the browser it pulls
// in no node: module and no ajv (validation lives behind `codex-api/validate`).
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;

async function bundle(entry: string) {
  return build({
    entryPoints: [root + entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
}

describe("portability of the root export", () => {
  it("bundles for the browser without node: modules or ajv", async () => {
    const result = await bundle("src/index.ts");
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes("node_modules/ajv"))).toBe(false);
    expect(inputs.filter((p) => p.startsWith("node:"))).toEqual([]);
    expect(inputs).toContain("src/stream/sse.ts");
  });

  it("the same check fails for the node-only mock server (so it can fail)", async () => {
    await expect(bundle("src/testing/index.ts")).rejects.toThrow(/node:/);
  });

  it("validate is a separate entry that carries ajv", async () => {
    const result = await bundle("src/validate/index.ts");
    expect(Object.keys(result.metafile.inputs).some((p) => p.includes("node_modules/ajv"))).toBe(
      true,
    );
  });
});
