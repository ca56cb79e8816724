// Fixture files checked against the schema (node only: reads files). Used by
// `npm run validate:fixtures` and `codex-api validate`.
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { schemaNames, validate, type SchemaName } from "./index.js";

/** One value of a fixture file that failed, with its file and line. */
export interface FixtureFailure {
  file: string;
  /** 1-based line of the value (1 for a `.json` file). */
  line: number;
  /** JSON Pointer into the value; empty for the value itself. */
  path: string;
  message: string;
}

/** The outcome of checking one fixture file. */
export interface FixtureReport {
  /** Values checked (a `.json` file is one, a stream file one per non-empty line). */
  checked: number;
  failures: FixtureFailure[];
}

const STREAM_FILE = /\.(jsonl|chunks\.txt)$/;

/**
 * The schema a file is checked against when none is given: `ResponseStreamEvent` for stream files
 * (`.jsonl`, `.chunks.txt`), else the name of the folder it sits in (`fixtures/valid/ResponseItem/x.json`).
 */
export function schemaForFile(file: string): SchemaName | undefined {
  if (STREAM_FILE.test(file)) return "ResponseStreamEvent";
  const folder = basename(dirname(file));
  return (schemaNames() as string[]).includes(folder) ? (folder as SchemaName) : undefined;
}

/** Checks one file; a file that cannot be read or parsed is reported as a failure, not thrown. */
export async function validateFixtureFile(
  file: string,
  schemaName?: SchemaName,
): Promise<FixtureReport> {
  const unchecked = (message: string) => ({
    checked: 0,
    failures: [{ file, line: 0, path: "", message }],
  });
  let text: string;
  try {
    // A leading UTF-8 byte order mark is not part of the JSON.
    text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return unchecked(code === "ENOENT" ? "no such file" : `cannot read: ${message}`);
  }
  const name = schemaName ?? schemaForFile(file);
  if (!name) {
    return unchecked(
      "no schema for this file: pass --schema, or put it in a folder named after a schema",
    );
  }
  if (!text.trim()) {
    return unchecked(
      `the file is empty (expected ${STREAM_FILE.test(file) ? "one JSON event per line" : "a JSON value"})`,
    );
  }
  const values = STREAM_FILE.test(file)
    ? text.split(/\r?\n/).map((source, i) => ({ source, line: i + 1 }))
    : [{ source: text, line: 1 }];
  const report: FixtureReport = { checked: 0, failures: [] };
  for (const { source, line } of values) {
    if (!source.trim()) continue;
    report.checked++;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      report.failures.push({
        file,
        line,
        path: "",
        message: `not JSON: ${(error as Error).message}`,
      });
      continue;
    }
    const result = validate(name, value);
    for (const w of (result.ok && result.warnings) || []) {
      report.failures.push({ file, line, path: w.path, message: `warning: ${w.message}` });
    }
    if (!result.ok) {
      for (const e of result.errors) report.failures.push({ file, line, ...e });
      if (result.omitted) {
        report.failures.push({ file, line, path: "", message: `and ${result.omitted} more` });
      }
    }
  }
  return report;
}

/**
 * Checks `files`, writing each failure as `file:line: /path message` and then an
 * `N passed, N failed` line. A value is one `.json` file or one line of a stream file; a file that
 * cannot be read or has no schema counts as one failed value. Returns the count of failed values.
 */
export async function checkFixtureFiles(
  files: string[],
  schemaName: SchemaName | undefined,
  print: (line: string) => void,
): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const report = await validateFixtureFile(file, schemaName);
    const badLines = new Set(report.failures.map((f) => f.line)).size;
    failed += report.checked === 0 ? 1 : badLines;
    passed += report.checked === 0 ? 0 : report.checked - badLines;
    for (const f of report.failures) print(formatFailure(f));
  }
  print(`${passed} passed, ${failed} failed`);
  return failed;
}

/** `file:line: /path message`, the way a compiler reports. */
export function formatFailure(f: FixtureFailure): string {
  return `${f.file}:${f.line}: ${f.path || "(value)"} ${f.message}`;
}
