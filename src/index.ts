// The public surface of codex-api: re-exports only.
export type * from "./generated/openapi.js";
