// npm run validate:fixtures -- [--schema Name] files…
// Checks each file against the schema; prints `file:line: /path message` per failure and a
// `N passed, N failed` line. Exit 0 when all pass, 1 when any fails, 2 for bad arguments.
import { checkFixtureFiles } from "../src/validate/fixtures.js";
import { schemaNames, type SchemaName } from "../src/validate/index.js";

const args = process.argv.slice(2);
let schemaName: SchemaName | undefined;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === "--schema") {
    const name = args[++i];
    if (!name || !(schemaNames() as string[]).includes(name)) {
      console.error(`--schema: unknown schema "${name ?? ""}"; known: ${schemaNames().join(", ")}`);
      process.exit(2);
    }
    schemaName = name as SchemaName;
  } else if (arg.startsWith("-")) {
    console.error(`unknown option ${arg}; usage: validate-fixtures [--schema Name] files…`);
    process.exit(2);
  } else files.push(arg);
}
if (files.length === 0) {
  console.error("usage: validate-fixtures [--schema Name] files…");
  process.exit(2);
}

const failed = await checkFixtureFiles(files, schemaName, (line) => console.log(line));
process.exit(failed > 0 ? 1 : 0);
