// The workerd config of the runtime matrix: one worker (the bundled worker.mjs launcher) whose
// `test` handler `workerd test` runs, with the mock servers' URLs as a text binding and an
// outbound network that reaches loopback (workerd's default outbound allows public addresses only).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundles, consumer } from "./prepare.js";

/** Writes the config into the consumer and returns its path. */
export function writeWorkerdConfig(urlsJson: string): string {
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "smoke", worker = .smoke),
    (name = "loopback", network = (allow = ["local"])),
  ],
);

const smoke :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "${bundles.worker}")],
  compatibilityDate = "2026-01-01",
  bindings = [(name = "URLS", text = ${JSON.stringify(urlsJson)})],
  globalOutbound = "loopback",
);
`;
  const file = join(consumer, "workerd.capnp");
  writeFileSync(file, config);
  return file;
}
