/** The package version, sent in `User-Agent: codex-api-ts/<version>` (a test keeps it in step with package.json). */
export const VERSION = "0.1.0";
