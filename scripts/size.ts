// `npm run size`: minified + gzipped size of each public entry, bundled with esbuild for the
// browser (the root export) or node (the node-only ones), and of an app that only streams. Exits 1
// when either is over its budget (16 KB and 13.5 KB min + gzip; `npm test` runs it).
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT_BUDGET_KB = 16;
const STREAM_APP_BUDGET_KB = 13.5;
const entries = [
  { name: "codex-api (root)", file: "src/index.ts", platform: "browser" },
  { name: "codex-api/validate", file: "src/validate/index.ts", platform: "browser" },
  { name: "codex-api/testing", file: "src/testing/index.ts", platform: "node" },
  // `ws` is an optional peer dependency: not counted.
  { name: "codex-api/websocket", file: "src/websocket/index.ts", platform: "node" },
] as const;
// What an app that only streams pulls in: what tree shaking leaves of the root export.
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

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log("| entry | minified | min + gzip |\n| --- | ---: | ---: |");
let root = 0;
for (const { name, file, platform } of entries) {
  const [min, gz] = await gzipped({ entryPoints: [file], platform });
  if (file === "src/index.ts") root = gz;
  console.log(`| ${name} | ${kb(min)} | ${kb(gz)} |`);
}
const [min, gz] = await gzipped({
  stdin: { contents: STREAM_APP, resolveDir: process.cwd(), loader: "ts" },
  platform: "browser",
});
console.log(`| an app that only streams | ${kb(min)} | ${kb(gz)} |`);
for (const [what, size, budget] of [
  ["the root export", root, ROOT_BUDGET_KB],
  ["an app that only streams", gz, STREAM_APP_BUDGET_KB],
] as const) {
  if (size <= budget * 1024) continue;
  console.error(`${what} is ${kb(size)} min + gzip, over its budget of ${budget} KB`);
  process.exitCode = 1;
}
