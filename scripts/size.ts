// `npm run size`: minified + gzipped size of each public entry, bundled with esbuild for the
// browser (the root export) or node (the node-only ones). Reports; asserts nothing.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const entries = [
  { name: "codex-api (root)", file: "src/index.ts", platform: "browser" },
  { name: "codex-api/validate", file: "src/validate/index.ts", platform: "browser" },
  { name: "codex-api/testing", file: "src/testing/index.ts", platform: "node" },
  // `ws` is an optional peer dependency: not counted.
  { name: "codex-api/websocket", file: "src/websocket/index.ts", platform: "node" },
] as const;

console.log("| entry | minified | min + gzip |\n| --- | ---: | ---: |");
for (const { name, file, platform } of entries) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    write: false,
    logLevel: "silent",
    external: ["ws"],
  });
  const code = result.outputFiles[0]!.contents;
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`| ${name} | ${kb(code.length)} | ${kb(gzipSync(code, { level: 9 }).length)} |`);
}
