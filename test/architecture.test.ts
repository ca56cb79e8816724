// The shape of src/: files import downward only (ARCHITECTURE.md, "Layers"). The imports are read
// with TypeScript's own pre-processor (`import type` and `export … from` included), so a circle or
// an upward import fails `npm test` and CI. The checks are shown to fail on graphs that break them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

/** file -> the files it imports (paths relative to src/, e.g. "transport/http.ts"). */
type Graph = Map<string, string[]>;

/**
 * The layers of src/, lowest first: a file may import its own layer or a lower one. A path names a
 * file or a folder (its files); a file in no layer (src/generated/) is not checked for direction.
 */
const LAYERS: string[][] = [
  ["util.ts", "version.ts", "rate-limits.ts", "function-calls.ts"],
  ["errors/"],
  ["options.ts", "load.ts"],
  ["transport/"],
  ["stream/"],
  ["provider.ts", "option-checks.ts"],
  ["resources/"],
  ["internals.ts"],
  ["client.ts"],
  ["index.ts", "websocket/", "validate/", "testing/"],
  ["cli/"],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The relative imports of every file under `root`, resolved to files. */
function importGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map((ref) => ref.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => {
        const base = resolve(dirname(file), name).replace(/\.js$/, "");
        const candidates = [`${base}.ts`, join(base, "index.ts")];
        return candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile());
      })
      .filter((target): target is string => target !== undefined)
      .map((target) => relative(root, target));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every circle of `graph`, each as the files of one strongly connected component, sorted. */
function circles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The layer of `file`, or undefined when it is in none. */
function layerOf(file: string, layers: string[][]): number | undefined {
  const i = layers.findIndex((layer) =>
    layer.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)),
  );
  return i === -1 ? undefined : i;
}

/** Every import from a lower layer to a higher one, as "from -> to". */
function upwardImports(graph: Graph, layers: string[][]): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const own = layerOf(from, layers);
    for (const to of targets) {
      const theirs = layerOf(to, layers);
      if (own !== undefined && theirs !== undefined && theirs > own) found.push(`${from} -> ${to}`);
    }
  }
  return found;
}

describe("the import graph of src/", () => {
  const graph = importGraph(SRC);

  it("is read: every file, with the imports it has", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("client.ts")).toContain("transport/http.ts");
    // `import type` and `export … from` count as imports too.
    expect(graph.get("resources/context.ts")).toContain("transport/http.ts");
    expect(graph.get("index.ts")).toContain("client.ts");
  });

  it("has no circle", () => {
    expect(circles(graph)).toEqual([]);
  });

  it("imports downward only", () => {
    expect(upwardImports(graph, LAYERS)).toEqual([]);
  });

  it("puts every file but the generated ones in a layer", () => {
    const unplaced = [...graph.keys()].filter(
      (file) => !file.startsWith("generated/") && layerOf(file, LAYERS) === undefined,
    );
    expect(unplaced).toEqual([]);
  });
});

describe("the checks", () => {
  it("find a circle, however long, and a file that imports itself", () => {
    const graph: Graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(circles(graph)).toEqual([["a.ts", "b.ts", "c.ts"], ["e.ts"]]);
  });

  it("find an import from a lower layer to a higher one", () => {
    const graph: Graph = new Map([
      ["errors/map.ts", ["stream/rate-limits.ts", "util.ts"]],
      ["stream/rate-limits.ts", []],
      ["util.ts", []],
    ]);
    expect(upwardImports(graph, LAYERS)).toEqual(["errors/map.ts -> stream/rate-limits.ts"]);
  });
});
