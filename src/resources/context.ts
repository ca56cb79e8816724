// What every endpoint module shares: the provider, the generated base client and the transport.
import type { BaseClient } from "../generated/client.js";
import type { ProviderConfig } from "../provider.js";
import type { Logger, Telemetry } from "../transport/telemetry.js";
import type { Scrubber } from "../transport/redact.js";
import type { Transport } from "../transport/http.js";

/** What every resource is built from: the provider, the generated base client and the transport. */
export interface Endpoints {
  provider: ProviderConfig;
  base: BaseClient;
  transport: Transport;
  streamIdleTimeoutMs: number;
  /** The largest single stream message, in decoded bytes (`provider.limits.maxEventBytes`). */
  maxEventBytes: number;
  telemetry?: Telemetry;
  logger?: Logger;
  /** The client's one scrubber (ARCHITECTURE.md, "Where each rule lives"). */
  scrubber: Scrubber;
}
