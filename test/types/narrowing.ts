// Compiled by `npm run typecheck` (never run): `type` narrows the item, content part and stream
// event unions of the root export to their typed members. The expect-error lines fail when a union
// stops being closed (an open `type: string` member would let them compile).
import type { ResponseItem, wire } from "../../src/index.js";

type ContentPart = wire.ContentPart;
type ResponseStreamEvent = wire.ResponseStreamEvent;

export function describeItem(item: ResponseItem): string {
  switch (item.type) {
    case "mcp_call":
      return `${item.server_label}.${item.name}(${item.arguments}): ${item.output ?? item.error?.type}`;
    case "computer_call":
      return `${item.action?.type} ${item.pending_safety_checks.map((check) => check.id).join()}`;
    case "shell_call":
      return item.action.commands.join(" && ");
    case "shell_call_output":
      return item.output.map((o) => `${o.stdout}${o.outcome.exit_code ?? ""}`).join("");
    case "apply_patch_call":
      return `${item.operation.type} ${item.operation.path}`;
    case "file_search_call":
      return item.queries.join();
    case "image_generation_call":
      return item.result ?? item.status;
    case "code_interpreter_call":
      return `${item.container_id}: ${item.code ?? ""}`;
    case "custom_tool_call_output":
      return typeof item.output === "string" ? item.output : item.output.map((p) => p.type).join();
    default:
      // @ts-expect-error `server_label` belongs to the MCP items only
      return item.server_label;
  }
}

export function partText(part: ContentPart): string {
  if (part.type === "refusal") return part.refusal;
  if (part.type === "output_text" || part.type === "reasoning_text") return part.text;
  if (part.type === "input_file") return part.filename ?? "";
  // @ts-expect-error no content part has this type
  return part.type === "made_up_part" ? "" : part.type;
}

export function eventText(event: ResponseStreamEvent): string {
  if (event.type === "response.audio.transcript.delta") return event.delta;
  if (event.type === "response.output_text.annotation.added") return event.annotation?.type ?? "";
  if (event.type === "response.function_call_arguments.done") return event.name ?? event.arguments;
  if (event.type === "response.output_item.done") return event.item.type;
  // @ts-expect-error no event has this type
  return event.type === "response.made_up" ? "" : event.type;
}
