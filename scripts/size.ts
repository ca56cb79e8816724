// `npm run size`: minified + gzipped size of each public entry, bundled with esbuild for the
// browser (the root export) or node (the node-only ones), and of an app that only streams. Code
// behind `import()` (the operations loaded on first use, see ARCHITECTURE.md) is a chunk of its own
// for a bundler that splits code: the root export is measured without it (what an app loads before
// it calls anything; budget 16 KB min + gzip) and printed with it. Exits 1 when the root export or
// the app that only streams (14.5 KB) is over its budget (`npm test` runs it).
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";

// The streaming app was 12.5 KB before the caller's edge (option checks with suggestions, header
// checks), collect-any-time and three rounds of hardening of the stream path; what it does not call
// (stored responses, background streams and resume, collect()'s result, a reported failure's class)
// is loaded on first use. Retrying is not: it runs when the network fails, when a chunk may not load.
const ROOT_BUDGET_KB = 16;
const STREAM_APP_BUDGET_KB = 14.5;
const entries = [
  { name: "codex-api (root)", file: "src/index.ts", platform: "browser" },
  { name: "codex-api/validate", file: "src/validate/index.ts", platform: "browser" },
  { name: "codex-api/testing", file: "src/testing/index.ts", platform: "node" },
  // `ws` is an optional peer dependency: not counted.
  { name: "codex-api/websocket", file: "src/websocket/index.ts", platform: "node" },
] as const;
// What an app that only streams loads: what tree shaking leaves of the root export, without the code
// it would load on first use of another operation.
const STREAM_APP = `import { createClient } from "./src/index.ts";
const client = createClient({ provider: { baseUrl: "https://example.invalid/v1" } });
for await (const e of await client.responses.stream({ model: "m", input: [] })) console.log(e);`;

async function gzipped(options: Parameters<typeof build>[0]): Promise<[number, number]> {
  const result = await build({
    ...options,
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    logLevel: "silent",
    external: ["ws"],
  });
  const code = result.outputFiles![0]!.contents;
  return [code.length, gzipSync(code, { level: 9 }).length];
}

/** Leaves code behind `import()` out of the bundle: it is loaded when called, not with the app. */
const lazyImportsApart: Plugin = {
  name: "lazy-imports-apart",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined,
    );
  },
};

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log("| entry | minified | min + gzip |\n| --- | ---: | ---: |");
let root = 0;
for (const { name, file, platform } of entries) {
  if (file === "src/index.ts") {
    const [min, gz] = await gzipped({ entryPoints: [file], platform, plugins: [lazyImportsApart] });
    root = gz;
    console.log(`| ${name} | ${kb(min)} | ${kb(gz)} |`);
  }
  const [min, gz] = await gzipped({ entryPoints: [file], platform });
  const all = file === "src/index.ts" ? `${name}, with what it loads on first use` : name;
  console.log(`| ${all} | ${kb(min)} | ${kb(gz)} |`);
}
// What the app loads before it calls anything else: the stored-response methods of
// client.responses are loaded on first use (src/resources/on-first-use.ts), so not counted.
const [min, gz] = await gzipped({
  stdin: { contents: STREAM_APP, resolveDir: process.cwd(), loader: "ts" },
  platform: "browser",
  plugins: [lazyImportsApart],
});
console.log(`| an app that only streams | ${kb(min)} | ${kb(gz)} |`);
for (const [what, size, budget] of [
  ["the root export", root, ROOT_BUDGET_KB],
  ["an app that only streams", gz, STREAM_APP_BUDGET_KB],
] as const) {
  console.log(`${what}: ${size} B of its ${budget * 1024} B budget`);
  if (size <= budget * 1024) continue;
  console.error(`${what} is ${kb(size)} min + gzip, over its budget of ${budget} KB`);
  process.exitCode = 1;
}
