// Tool calls in an agent loop: the function calls of a reply's items, and the item that answers one
// in the next turn's input (README "An agent loop with tools").
import type {
  FunctionCallItem,
  FunctionCallOutputItem,
  ResponseItem,
  ToolCallOutput,
} from "./generated/openapi.js";

export type { FunctionCallItem, FunctionCallOutputItem };

/** One `function_call` item of a reply, camelCased: what a loop needs to run the tool. */
export interface FunctionCall {
  /** The `call_id` the answer (`functionCallOutput`) must carry. */
  callId: string;
  /** The tool's name. */
  name: string;
  /** The arguments as the model wrote them: JSON text (parse it yourself; it may be invalid). */
  arguments: string;
  /** The item's `id`, when the server gave one. */
  itemId: string | undefined;
}

/** JSON text of a call's arguments: as sent, or written as JSON when a server sent them parsed. */
function argumentsText(args: unknown): string {
  if (typeof args === "string") return args;
  try {
    return JSON.stringify(args) ?? "";
  } catch {
    return "";
  }
}

/** The function calls among `items`, in order. */
export function functionCallsOf(items: readonly ResponseItem[]): FunctionCall[] {
  const calls: FunctionCall[] = [];
  for (const item of items) {
    if (item.type !== "function_call") continue;
    const call = item as FunctionCallItem;
    calls.push({
      callId: call.call_id,
      name: call.name,
      arguments: argumentsText(call.arguments),
      itemId: call.id,
    });
  }
  return calls;
}

/**
 * The `function_call_output` item that answers the call `callId` in the next request's input:
 * `output` is the tool's result, as text or as content parts.
 */
export function functionCallOutput(callId: string, output: ToolCallOutput): FunctionCallOutputItem {
  return { type: "function_call_output", call_id: callId, output };
}
