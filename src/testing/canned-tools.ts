// The canned reply's tool turns: a request with tools whose input has no tool output since the
// last user message is answered with a call to the first function tool (arguments streamed as
// deltas, built from its parameters); once outputs follow, the reply is text that quotes them.
type Json = Record<string, unknown>;
/** Appends one event of `type` with `fields` to the reply. */
export type Push = (type: string, fields: Json) => void;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isOutput = (item: unknown): item is Json =>
  isObject(item) && typeof item.type === "string" && item.type.endsWith("_call_output");

/** The outputs of tool calls after the last user message (empty when there are none). */
export function toolOutputs(input: unknown[]): Json[] {
  const outputs: Json[] = [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (isOutput(item)) outputs.unshift(item);
    else if (isObject(item) && item.role === "user") break;
  }
  return outputs;
}

/** `Tool output: …` for the outputs a reply answers. */
export function outputsText(outputs: Json[]): string {
  const texts = outputs.map((o) =>
    typeof o.output === "string" ? o.output : JSON.stringify(o.output),
  );
  return `Tool output: ${texts.join("; ")}`;
}

/** Arguments that fit a tool's JSON Schema `parameters`: "mock" for strings, 1, true, [] or {}. */
function argumentsFor(tool: Json | undefined): string {
  const parameters = tool && isObject(tool.parameters) ? tool.parameters : {};
  const properties = isObject(parameters.properties) ? parameters.properties : {};
  const sample: Record<string, unknown> = { string: "mock", number: 1, integer: 1, boolean: true };
  const args: Json = {};
  for (const [name, schema] of Object.entries(properties)) {
    const type = isObject(schema) ? schema.type : undefined;
    args[name] =
      typeof type === "string" && type in sample ? sample[type] : type === "array" ? [] : {};
  }
  return JSON.stringify(args);
}

/** Pieces of `text` whose concatenation is the text (about 8 characters each). */
function pieces(text: string): string[] {
  return text.match(/[\s\S]{1,8}/g) ?? [];
}

/** A function call to the first named tool, its arguments streamed; returns the item. */
export function toolCallEvents(push: Push, outputIndex: number, tools: unknown[], n: number): Json {
  const named = tools.find((t): t is Json => isObject(t) && typeof t.name === "string");
  const name = named ? (named.name as string) : "mock_tool";
  const args = argumentsFor(named);
  const item = { type: "function_call", id: `fc_mock_${n}`, call_id: `call_mock_${n}`, name };
  push("response.output_item.added", {
    output_index: outputIndex,
    item: { ...item, arguments: "", status: "in_progress" },
  });
  const base = { item_id: item.id, output_index: outputIndex };
  for (const delta of pieces(args))
    push("response.function_call_arguments.delta", { ...base, delta });
  push("response.function_call_arguments.done", { ...base, arguments: args });
  const done = { ...item, arguments: args, status: "completed" };
  push("response.output_item.done", { output_index: outputIndex, item: done });
  return done;
}
