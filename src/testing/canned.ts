// Canned replies: what the mock answers when a test scripts no body — an echo stream for
// /responses, JSON for compact, memories and models (with its ETag), rate-limit headers — and
// recorded streams read back from `.chunks.txt` files.
import { readFileSync } from "node:fs";
import { outputsText, toolCallEvents, toolOutputs, type Push } from "./canned-tools.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a `.chunks.txt` recording: one JSON payload per non-empty line (final newline optional). */
export function loadRecordedStream(file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  readFileSync(file, "utf8")
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new SyntaxError(`${file}:${i + 1}: not JSON: ${(err as Error).message}`);
      }
      if (!isObject(value)) throw new SyntaxError(`${file}:${i + 1}: not a JSON object`);
      out.push(value);
    });
  return out;
}

function isUserMessage(item: unknown): item is Json {
  return (
    isObject(item) && (item.type === undefined || item.type === "message") && item.role === "user"
  );
}

function messageText(item: Json): string {
  const content = item.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p): p is Json => isObject(p) && p.type === "input_text" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("\n");
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function collectText(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectText(v, into);
  else if (isObject(value)) for (const v of Object.values(value)) collectText(v, into);
}

/** Splits text into word-sized pieces whose concatenation is the text. */
function wordPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** The reasoning summary of the canned reply, as streamed. */
const REASONING_DELTAS = ["Thinking about ", "the request."];

/** A reasoning item with a two-delta summary; returns the item. */
function reasoningEvents(push: Push, outputIndex: number): Json {
  const itemId = "rs_mock_1";
  const summary = REASONING_DELTAS.join("");
  const base = { item_id: itemId, output_index: outputIndex, summary_index: 0 };
  push("response.output_item.added", {
    output_index: outputIndex,
    item: { type: "reasoning", id: itemId, summary: [] },
  });
  push("response.reasoning_summary_part.added", {
    ...base,
    part: { type: "summary_text", text: "" },
  });
  for (const delta of REASONING_DELTAS)
    push("response.reasoning_summary_text.delta", { ...base, delta });
  push("response.reasoning_summary_text.done", { ...base, text: summary });
  push("response.reasoning_summary_part.done", {
    ...base,
    part: { type: "summary_text", text: summary },
  });
  const item = {
    type: "reasoning",
    id: itemId,
    summary: [{ type: "summary_text", text: summary }],
  };
  push("response.output_item.done", { output_index: outputIndex, item });
  return item;
}

/** An assistant message streamed word by word; returns the item. */
function messageEvents(push: Push, outputIndex: number, text: string, n: number): Json {
  const itemId = `msg_mock_${n}`;
  const base = { item_id: itemId, output_index: outputIndex, content_index: 0 };
  push("response.output_item.added", {
    output_index: outputIndex,
    item: { type: "message", id: itemId, role: "assistant", status: "in_progress", content: [] },
  });
  push("response.content_part.added", {
    ...base,
    part: { type: "output_text", text: "", annotations: [] },
  });
  for (const delta of wordPieces(text))
    push("response.output_text.delta", { ...base, delta, logprobs: [] });
  push("response.output_text.done", { ...base, text, logprobs: [] });
  const part = { type: "output_text", text, annotations: [] };
  push("response.content_part.done", { ...base, part });
  const item = {
    type: "message",
    id: itemId,
    role: "assistant",
    status: "completed",
    content: [part],
  };
  push("response.output_item.done", { output_index: outputIndex, item });
  return item;
}

/** The reply text: the tool outputs it answers, else an echo of the last user message. */
function replyText(input: unknown[], outputs: Json[]): string {
  if (outputs.length > 0) return outputsText(outputs);
  const lastUser = [...input].reverse().find(isUserMessage);
  return lastUser === undefined
    ? "Hello from the codex-api mock server."
    : `Echo: ${messageText(lastUser)}`;
}

/**
 * The default /responses events for a request body `{model, input, tools?, reasoning?}` (README
 * "Testing your code with the mock server"): a call to the first tool when tools are given and no
 * tool output follows the last user message, else a text message. `n` numbers the ids
 * (`resp_mock_<n>`, `call_mock_<n>`…); the server counts the canned replies it streamed.
 */
export function cannedEvents(request: unknown, n = 1): Record<string, unknown>[] {
  const req = isObject(request) ? request : {};
  const model = typeof req.model === "string" ? req.model : "mock-model";
  const input = Array.isArray(req.input) ? req.input : [];
  const tools = Array.isArray(req.tools) ? req.tools : [];
  const outputs = toolOutputs(input);
  const callsTool = tools.length > 0 && outputs.length === 0;
  const text = callsTool ? "" : replyText(input, outputs);
  const id = `resp_mock_${n}`;
  const events: Json[] = [];
  const push: Push = (type, fields) => {
    events.push({ type, ...fields, sequence_number: events.length });
  };
  const output: Json[] = [];
  const inProgress = () => ({ id, object: "response", status: "in_progress", model, output: [] });
  push("response.created", { response: inProgress() });
  push("response.in_progress", { response: inProgress() });

  const reasoning = req.reasoning !== undefined && req.reasoning !== null;
  const reasoningTokens = reasoning ? countWords(REASONING_DELTAS.join("")) : 0;
  if (reasoning) output.push(reasoningEvents(push, output.length));
  if (callsTool) output.push(toolCallEvents(push, output.length, tools, n));
  else output.push(messageEvents(push, output.length, text, n));

  const inputTexts: string[] = [];
  collectText(input, inputTexts);
  const inputTokens = Math.max(1, countWords(inputTexts.join(" ")));
  const outputTokens = countWords(text) + reasoningTokens + (callsTool ? 1 : 0);
  push("response.completed", {
    response: {
      id,
      object: "response",
      status: "completed",
      model,
      output,
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: reasoningTokens },
        total_tokens: inputTokens + outputTokens,
      },
    },
  });
  return events;
}

/** The default compact reply: the user messages kept, then one compaction item. */
export function cannedCompact(request: unknown): Json {
  const input = isObject(request) && Array.isArray(request.input) ? request.input : [];
  return {
    output: [
      ...input.filter(isUserMessage),
      { type: "compaction", encrypted_content: `mock-compacted-${input.length}` },
    ],
  };
}

/** The default memories reply: one summary per trace. */
export function cannedMemories(request: unknown): Json {
  const traces = isObject(request) && Array.isArray(request.traces) ? request.traces : [];
  return {
    output: traces.map((t) => {
      const trace = isObject(t) ? t : {};
      const id = String(trace.id);
      const n = Array.isArray(trace.items) ? trace.items.length : 0;
      const source = isObject(trace.metadata) ? String(trace.metadata.source_path) : "undefined";
      return {
        trace_summary: `Trace ${id}: ${n} items from ${source}`,
        memory_summary: `Remember ${id}.`,
      };
    }),
  };
}

/** The ETag of the canned model list, quotes included (a scripted `etag` header replaces it). */
export const MODELS_ETAG = '"mock-models-1"';

/** One canned model: the keys Codex reads, plus one the schema does not type (kept by clients). */
function mockModel(model: {
  slug: string;
  name: string;
  priority: number;
  efforts: string[];
}): Json {
  const { slug, name, priority, efforts } = model;
  return {
    slug,
    display_name: name,
    description: `The mock server's ${name}.`,
    default_reasoning_level: efforts[1] ?? null,
    supported_reasoning_levels: efforts.map((effort) => ({ effort, description: effort })),
    shell_type: "shell_command",
    visibility: "list",
    supported_in_api: true,
    priority,
    upgrade: null,
    base_instructions: "You are a helpful coding agent.",
    supports_reasoning_summaries: efforts.length > 0,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: "freeform",
    truncation_policy: { mode: "tokens", limit: 10_000 },
    supports_parallel_tool_calls: true,
    context_window: 272_000,
    effective_context_window_percent: 95,
    experimental_supported_tools: [],
    input_modalities: ["text", "image"],
    minimal_client_version: "0.1.0",
  };
}

/** The default models reply: two models, whatever the query. */
export function cannedModels(): Json {
  return {
    models: [
      mockModel({
        slug: "gpt-5.1-codex",
        name: "GPT-5.1 Codex",
        priority: 1,
        efforts: ["low", "medium", "high"],
      }),
      mockModel({
        slug: "gpt-5.1-codex-mini",
        name: "GPT-5.1 Codex Mini",
        priority: 2,
        efforts: [],
      }),
    ],
  };
}

/** The rate-limit headers of a 200 /responses reply (primary window resets in an hour). */
export function rateLimitHeaders(): Record<string, string> {
  return {
    "x-codex-primary-used-percent": "12.5",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": String(Math.floor(Date.now() / 1000) + 3600),
    "x-codex-secondary-used-percent": "40",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-credits-has-credits": "true",
    "x-codex-credits-unlimited": "false",
    "x-codex-credits-balance": "9.99",
  };
}
