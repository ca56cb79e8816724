// The recorded Responses streams (see test/corpus/responses-streams/README.md for their
// provenance: vercel/ai test fixtures, Apache-2.0), one JSON payload per line.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CORPUS_DIR = fileURLToPath(new URL("../corpus/responses-streams/", import.meta.url));

export interface CorpusStream {
  name: string;
  /** The JSON payload lines, as they stand in the file. */
  lines: string[];
}

export function corpusStreams(): CorpusStream[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".chunks.txt"))
    .sort()
    .map((name) => ({
      name,
      lines: readFileSync(CORPUS_DIR + name, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== ""),
    }));
}
