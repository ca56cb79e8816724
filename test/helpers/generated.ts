// Regenerating from a copy of schema/: what the generator tests share. A copy is edited, the real
// generator (`scripts/generate.ts --schema FILE --out DIR`) writes a scratch src/generated from
// it, and call sites are compiled against the result.
import { execFile } from "node:child_process";
import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";

/** The repository root. */
export const root = new URL("../../", import.meta.url).pathname;

/**
 * Copies schema/ to `work/schema` (removing what `work` held), lets `edit` change the copy, then
 * generates `work/src/generated` from it, beside a copy of the contract it imports
 * (src/transport/send.ts).
 */
export async function generateFromCopy(
  work: string,
  edit?: (schemaDir: string) => Promise<void>,
): Promise<void> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await cp(join(root, "schema"), join(work, "schema"), { recursive: true });
  await mkdir(join(work, "src/transport"), { recursive: true });
  await cp(join(root, "src/transport/send.ts"), join(work, "src/transport/send.ts"));
  await edit?.(join(work, "schema"));
  await promisify(execFile)(join(root, "node_modules/.bin/tsx"), [
    join(root, "scripts/generate.ts"),
    "--schema",
    join(work, "schema/openapi.yaml"),
    "--out",
    join(work, "src/generated"),
  ]);
}

/** The type errors of `files` (strict, NodeNext), one message each. */
export function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}
