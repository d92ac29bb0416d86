/**
 * The message scripts the client sends, phase by phase, as Envoy's ext_proc filter would for a
 * chat request (request body BUFFERED) and its response. Built once per run and reused, so
 * every request of a scenario sends the same bytes to either server.
 */
import type { OutboundMessage } from '../test/harness/wire.js';
import { chatRequestBody, chatResponseBody, chatSseChunks } from './bodies.js';
import type { ScriptStep } from './exchange.js';

function headerMap(headers: Record<string, string>): { headers: Array<{ key: string; rawValue: Buffer }> } {
  return { headers: Object.entries(headers).map(([key, value]) => ({ key, rawValue: Buffer.from(value, 'latin1') })) };
}

/** Request headers of a chat request with a body of `length` bytes, as Envoy forwards them. */
export function requestHeadersMessage(length: number): OutboundMessage {
  return {
    requestHeaders: {
      headers: headerMap({
        ':authority': 'gateway.example.com',
        ':path': '/v1/chat/completions',
        ':method': 'POST',
        ':scheme': 'https',
        'content-type': 'application/json',
        'content-length': String(length),
        authorization: 'Bearer sk-bench-0000000000000000000000000000',
        'user-agent': 'OpenAI/Python 1.54.0',
        accept: 'application/json',
        'x-forwarded-proto': 'https',
        'x-request-id': '6f1f2c3e-9a8b-4c7d-8e6f-5a4b3c2d1e0f',
      }),
      endOfStream: false,
    },
    protocolConfig: { requestBodyMode: 'BUFFERED', responseBodyMode: 'BUFFERED' },
  };
}

function responseHeadersMessage(contentType: string, length: number | undefined): OutboundMessage {
  const headers: Record<string, string> = {
    ':status': '200',
    'content-type': contentType,
    date: 'Tue, 14 Jan 2025 10:00:00 GMT',
    'openai-processing-ms': '412',
    'openai-version': '2020-10-01',
    'x-request-id': 'req_0123456789abcdef0123456789abcdef',
  };
  if (length !== undefined) headers['content-length'] = String(length);
  return { responseHeaders: { headers: headerMap(headers), endOfStream: false } };
}

/** A chat request of `bodySize` bytes answered by a non-streaming 1 KB JSON response with usage. */
export function chatScript(bodySize: number): ScriptStep[] {
  const body = chatRequestBody(bodySize);
  const response = chatResponseBody();
  return [
    { label: 'requestHeaders', message: requestHeadersMessage(body.length) },
    { label: 'requestBody', message: { requestBody: { body, endOfStream: true } } },
    { label: 'responseHeaders', message: responseHeadersMessage('application/json', response.length) },
    { label: 'responseBody', message: { responseBody: { body: response, endOfStream: true } } },
  ];
}

/**
 * A streaming chat request (1 KB, `stream: true` with `include_usage`) answered by an SSE
 * stream sent as `chunks` STREAMED body messages, usage and `[DONE]` in the last one.
 */
export function streamingScript(chunks: number): ScriptStep[] {
  const body = chatRequestBody(1024, { stream: true });
  const sse = chatSseChunks(chunks);
  return [
    { label: 'requestHeaders', message: requestHeadersMessage(body.length) },
    { label: 'requestBody', message: { requestBody: { body, endOfStream: true } } },
    { label: 'responseHeaders', message: responseHeadersMessage('text/event-stream; charset=utf-8', undefined) },
    ...sse.map((chunk, i): ScriptStep => ({ label: 'responseBody', message: { responseBody: { body: chunk, endOfStream: i === sse.length - 1 } } })),
  ];
}

/** Scripts the client can be asked for by name. */
export type ScriptSpec = { readonly kind: 'chat'; readonly bodySize: number } | { readonly kind: 'streaming'; readonly chunks: number };

/** Builds the script a spec names. */
export function buildScript(spec: ScriptSpec): ScriptStep[] {
  return spec.kind === 'chat' ? chatScript(spec.bodySize) : streamingScript(spec.chunks);
}
