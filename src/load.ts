// Code loaded on first use: one `import()` per module, tried again after a failure (a browser that
// could not fetch the chunk), whose failure is a retryable TransportError naming what was loading.
import { TransportError } from "./errors/catalogue.js";

/** `load()` on the first call, the same promise after that; a failed load is forgotten. */
export function loadOnce<M>(what: string, load: () => Promise<M>): () => Promise<M> {
  let loaded: Promise<M> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransportError(`could not load the code of ${what}: ${reason}`, { cause: error });
    }));
}
