// `codex-api retrieve | cancel | delete | input-items ID` and `count-tokens`: the stored-response
// operations, each printing the reply as JSON (input items one JSON line per item, as they arrive).
import type { Values } from "./args.js";
import { UsageError } from "./args.js";
import { withClient, type Ctx } from "./context.js";
import { requestFrom } from "./responses.js";
import { checkResponseId } from "../resources/response-id.js";

type Client = Parameters<Parameters<typeof withClient>[2]>[0];

const printJson = (ctx: Ctx, value: unknown) => ctx.out(`${JSON.stringify(value, null, 2)}\n`);

/** The one ID argument of `command`; an ID no path can carry ("", "..") is bad usage. */
function idOf(command: string, args: string[]): string {
  if (args.length !== 1) throw new UsageError(`${command}: expected one response ID`);
  try {
    checkResponseId(args[0], command);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return args[0]!;
}

/** A command that sends one call with the ID and prints its reply. */
const byId =
  (command: string, call: (client: Client, id: string, signal: AbortSignal) => Promise<unknown>) =>
  async (ctx: Ctx, v: Values, args: string[]): Promise<number> => {
    const id = idOf(command, args);
    printJson(ctx, await withClient(ctx, v, (client) => call(client, id, ctx.signal)));
    return 0;
  };

/** `retrieve ID`: the stored Response as JSON. */
export const retrieve = byId("retrieve", (c, id, signal) => c.responses.retrieve(id, { signal }));
/** `cancel ID`: the cancelled Response as JSON. */
export const cancel = byId("cancel", (c, id, signal) => c.responses.cancel(id, { signal }));
/** `delete ID`: `{ id, object, deleted }`. */
export const remove = byId("delete", (c, id, signal) => c.responses.delete(id, { signal }));

/** `input-items ID`: every input item, one JSON line each, page after page. */
export async function inputItems(ctx: Ctx, v: Values, args: string[]): Promise<number> {
  const id = idOf("input-items", args);
  await withClient(ctx, v, async (client) => {
    for await (const item of client.responses.inputItems(id, { signal: ctx.signal })) {
      ctx.out(`${JSON.stringify(item)}\n`);
    }
  });
  return 0;
}

/** `count-tokens [PROMPT…]`: the input tokens the `responses` request would use. */
export async function countTokens(ctx: Ctx, v: Values, args: string[]): Promise<number> {
  const request = await requestFrom(ctx, v, args);
  const { inputTokens } = await withClient(ctx, v, (client) =>
    client.responses.inputTokens(request, { signal: ctx.signal }),
  );
  if (v["json"] === true) printJson(ctx, { inputTokens });
  else ctx.out(`${inputTokens}\n`);
  return 0;
}
