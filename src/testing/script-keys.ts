// The keys a mock script may have, checked by the library's one unknown-key checker: a misspelt
// knob (`stallAfterEvent`) is an error naming the key to use, not a script that silently does less.
// Each list must name every key of its type (checked by the compiler below).
import { checkKeys } from "../options.js";
import { ENDPOINTS } from "../transport/telemetry.js";
import { isObject } from "../util.js";
import type {
  MockEndpoint,
  MockReply,
  MockScript,
  MockSocketScript,
  MockUpgrade,
} from "./script.js";

const SCRIPT_KEYS = [...ENDPOINTS, "rateLimitHeaders", "websocket", "storedResponses"] as const;
const REPLY_KEYS = [
  "status",
  "headers",
  "body",
  "html",
  "events",
  "dripMs",
  "stallAfterEvents",
  "keepAliveMs",
  "stallBeforeHeaders",
  "resetAfterBytes",
  "malformedAt",
  "omitTerminal",
  "binaryAt",
  "dropAfterEvents",
] as const;
const SOCKET_KEYS = ["upgrade", "closeAfterRequests"] as const;
const UPGRADE_KEYS = ["status", "headers", "body"] as const;

// Compile-time: a key added to a type and not to its list fails `npm run typecheck` here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const lists: [
  Same<(typeof ENDPOINTS)[number], MockEndpoint>,
  Same<(typeof SCRIPT_KEYS)[number], keyof MockScript>,
  Same<(typeof REPLY_KEYS)[number], keyof MockReply>,
  Same<(typeof SOCKET_KEYS)[number], keyof MockSocketScript>,
  Same<(typeof UPGRADE_KEYS)[number], keyof MockUpgrade>,
] = [true, true, true, true, true];
void lists;

const where = "startMockServer";

/** Checks one entry or each entry of a list (other shapes are left to the value checks). */
function eachEntry(value: unknown, path: string, known: readonly string[]): void {
  const entries = Array.isArray(value) ? value : [value];
  entries.forEach((entry, i) => {
    const at = Array.isArray(value) ? `${path}[${i}]` : path;
    if (isObject(entry)) checkKeys(entry, { where, path: at, known });
  });
}

/** Throws InvalidRequestError at the first key of `script` the mock does not know, naming it. */
export function checkScriptKeys(script: unknown): void {
  if (!isObject(script)) return;
  checkKeys(script, { where, path: "script", known: SCRIPT_KEYS });
  for (const endpoint of ENDPOINTS) eachEntry(script[endpoint], `script.${endpoint}`, REPLY_KEYS);
  const socket = script["websocket"];
  if (!isObject(socket)) return;
  checkKeys(socket, { where, path: "script.websocket", known: SOCKET_KEYS });
  eachEntry(socket["upgrade"], "script.websocket.upgrade", UPGRADE_KEYS);
}
