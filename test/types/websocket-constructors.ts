// Compiled by `npm run typecheck` (never run): the WebSocket constructors connectResponses accepts
// (`ws`'s, the runtime's WHATWG one) and what it rejects.
import WebSocket from "ws";
import { createClient } from "../../src/index.js";
import { connectResponses } from "../../src/websocket/index.js";

const client = createClient({ provider: { baseUrl: "http://127.0.0.1:1" } });

/** A constructor whose URL is not a string. */
class NumberUrl {
  url: number;
  constructor(url: number) {
    this.url = url;
  }
}

export const sockets = [
  connectResponses(client, { webSocket: WebSocket }),
  connectResponses(client, { webSocket: globalThis.WebSocket }),
  // @ts-expect-error a constructor must take the URL as a string
  connectResponses(client, { webSocket: NumberUrl }),
  // @ts-expect-error not a client from createClient
  connectResponses({ provider: client.provider }),
];
