// A loopback server for the benchmarks, run in its own process so it does not share the client's
// event loop. POST /v1/responses streams `MB` megabytes of realistic Responses events in 16 KiB
// to 64 KiB writes (with backpressure); POST /v1/responses/compact answers a small JSON reply. It prints its
// port on stdout, then serves until killed.
import { createServer } from "node:http";

const targetBytes = Number(process.env["MB"] ?? "20") * 1024 * 1024;

function frame(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

// Deltas like a real answer: words, punctuation, escapes, some non-ASCII.
const WORDS = ["the", "stream", "of", "tokens", "é", "naïve", "→", '"quoted"', "line\nbreak", "✓"];
function buildBody(): Buffer {
  const parts: string[] = [
    frame("response.created", {
      sequence_number: 0,
      response: { id: "resp_bench", object: "response", status: "in_progress", output: [] },
    }),
    frame("response.output_item.added", {
      sequence_number: 1,
      output_index: 0,
      item: {
        id: "msg_bench",
        type: "message",
        status: "in_progress",
        role: "assistant",
        content: [],
      },
    }),
  ];
  let size = parts.join("").length;
  let seq = 2;
  while (size < targetBytes) {
    const delta = `${WORDS[seq % WORDS.length]} ${WORDS[(seq * 7) % WORDS.length]} `;
    const f = frame("response.output_text.delta", {
      sequence_number: seq,
      item_id: "msg_bench_0123456789abcdef0123456789abcdef",
      output_index: 0,
      content_index: 0,
      delta,
      logprobs: [],
      obfuscation: "x9Yq2ZbA",
    });
    parts.push(f);
    size += f.length;
    seq += 1;
  }
  parts.push(
    frame("response.output_item.done", {
      sequence_number: seq,
      output_index: 0,
      item: {
        id: "msg_bench",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "(elided)", annotations: [] }],
      },
    }),
    frame("response.completed", {
      sequence_number: seq + 1,
      response: {
        id: "resp_bench",
        object: "response",
        status: "completed",
        output: [],
        usage: {
          input_tokens: 10,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: seq,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: seq + 10,
        },
      },
    }),
  );
  return Buffer.from(parts.join(""), "utf8");
}

const body = buildBody();
const events = body.toString("utf8").split("\n\n").length - 1;
const small = Buffer.from(
  JSON.stringify({ output: [{ type: "compaction", encrypted_content: "abc" }] }),
);

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.url?.endsWith("/responses/compact")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": small.length });
      res.end(small);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_bench" });
    let offset = 0;
    let write = 0;
    const pump = () => {
      while (offset < body.length) {
        // 16 to 64 KiB per write, the same sequence every time.
        const size = (16 + ((write++ * 7919) % 49)) * 1024;
        const chunk = body.subarray(offset, offset + size);
        offset += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (typeof address === "object" && address) {
    process.stdout.write(JSON.stringify({ port: address.port, bytes: body.length, events }) + "\n");
  }
});
