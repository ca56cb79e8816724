// The command line of `codex-api`: the usage text, flag parsing and the checks that turn a bad flag
// into a UsageError, which the CLI reports with exit code 2.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { closest } from "../validate/suggest.js";

/** The model sent when neither `--model` nor the input file names one. */
export const DEFAULT_MODEL = "gpt-5.1-codex";

/** What `codex-api --help` prints. */
export const USAGE = `usage: codex-api <command> [options]

commands:
  responses [--instructions S] [--reasoning low|medium|high] [--json] [--background] [PROMPT…]
      stream a reply; the prompt comes from the arguments, else from stdin; --background: a
      stored response, resumed if the stream drops (said on stderr)
  resume ID [--starting-after N] [--json]
      stream a stored (background) response again, the events after sequence number N
  compact --input FILE [--instructions S]
      FILE: a JSON array of ResponseItems, or {model?, input, instructions?}
  memories --input FILE
      FILE: a JSON array of raw memories, or {model?, rawMemories | traces}
  models [--client-version V] [--json]
      list the models (slug and name; the count and ETag on stderr), or {models, etag} as JSON
  retrieve ID | cancel ID | delete ID
      a stored response as JSON (cancel: the cancelled one; delete: {id, object, deleted})
  input-items ID
      the items a stored response was created from, one JSON line each, every page
  count-tokens [--instructions S] [--reasoning low|medium|high] [--json] [PROMPT…]
      the input tokens that request to responses would use
  validate [--schema NAME] FILES…
      check fixture files against the schemas
  mock [--port N] [--script FILE]
      run the mock server until SIGINT/SIGTERM (script: a MockScript JSON file)
  help, --help, --version

options of the commands that call a server (all but validate and mock):
  --base-url URL      server base URL (else $CODEX_BASE_URL, else $OPENAI_BASE_URL, else the
                      real service when there is an API key, else the embedded mock server)
  --api-key KEY       bearer token (else $CODEX_API_KEY, else $OPENAI_API_KEY)
  --model M           model (default ${DEFAULT_MODEL}; responses, count-tokens, compact, memories)
  --max-attempts N    sends per request, retries included (default 5)

CODEX_API_DEBUG=1 prints stack traces on errors.
`;

/** Bad usage: the CLI exits 2. */
export class UsageError extends Error {}

/** The flags a command accepts, in `node:util` parseArgs form. */
export type Flags = NonNullable<ParseArgsConfig["options"]>;
/** Parsed flag values by name. */
export type Values = Record<string, string | boolean | undefined>;

/** The value of a string flag, or undefined when it was not given. */
export const str = (v: Values, flag: string): string | undefined =>
  typeof v[flag] === "string" ? v[flag] : undefined;

/** `--flag` as a whole number in `min..max`, or undefined when the flag was not given. */
export function wholeNumber(
  v: Values,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = str(v, flag);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new UsageError(`--${flag} must be a whole number ${range}, got "${value}"`);
  }
  return n;
}

/** `value` if it is an absolute http(s) URL; `source` names where it came from. */
export function httpUrl(value: string, source: string): string {
  const protocol = URL.canParse(value) ? new URL(value).protocol : "";
  if (protocol !== "http:" && protocol !== "https:") {
    throw new UsageError(`${source} must be an absolute http(s) URL, got "${value}"`);
  }
  return value;
}

/** Parses the arguments after the command name; positionals only where the command takes them. */
export function parseFlags(command: string, args: string[], flags: Flags, positionals: boolean) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: flags, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const near = unknown === undefined ? undefined : closest(unknown, Object.keys(flags));
    throw new UsageError(near ? `${message}; did you mean --${near}?` : message);
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[0]}"`);
  }
  return { values: parsed.values as Values, positionals: parsed.positionals };
}
