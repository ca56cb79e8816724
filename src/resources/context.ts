// What every endpoint module shares: the provider, the transport and the stream limits.
import type { CheckedProvider } from "../provider.js";
import type { Logger, Telemetry } from "../transport/telemetry.js";
import type { Scrubber } from "../transport/redact.js";
import type { Transport } from "../transport/http.js";

/** What every resource is built from: the provider, the transport and the stream limits. */
export interface Endpoints {
  provider: CheckedProvider;
  transport: Transport;
  streamIdleTimeoutMs: number;
  /** The largest single stream message, in decoded bytes (`provider.limits.maxEventBytes`). */
  maxEventBytes: number;
  telemetry?: Telemetry;
  logger?: Logger;
  /** The client's one scrubber (ARCHITECTURE.md, "Where each rule lives"). */
  scrubber: Scrubber;
}
