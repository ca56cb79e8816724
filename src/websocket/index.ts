// `codex-api/websocket`: Responses over one WebSocket connection, with incremental requests
// (README "Responses over WebSocket"). Node needs the optional `ws` package, or pass `webSocket`.
export { connectResponses, OPENAI_BETA, type ResponsesSocket } from "./socket.js";
export type { ResponsesSocketOptions } from "./options.js";
export type { WebSocketConstructor, WebSocketInit } from "./wire.js";
export type { WebSocketRequestTelemetry } from "../transport/telemetry.js";
