// A tiny OpenAI-compatible chat completions server for demos and tests — plain node:http, no
// dependencies. It answers POST /v1/chat/completions as JSON or, with "stream": true, as
// server-sent events (with a usage chunk when stream_options.include_usage is set), lists its
// model on GET /v1/models, and answers GET /healthz.
//
//   PORT=8000 node deploy/mock-llm/server.mjs
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MODELS = ['mock-small'];

/** Rough token count: about four characters per token, at least one per word. */
function tokens(text) {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.max(words, Math.ceil(text.length / 4));
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part && typeof part.text === 'string' ? part.text : '')).join(' ');
  return '';
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res, status, message, type = 'invalid_request_error') {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function completion(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const lastUser = [...messages].reverse().find((m) => m && m.role === 'user');
  const prompt = messages.map((m) => textOf(m && m.content)).join('\n');
  const asked = lastUser ? textOf(lastUser.content).slice(0, 200) : '';
  const reply = `Mock reply to: ${asked}`;
  const promptTokens = tokens(prompt);
  const completionTokens = tokens(reply);
  return {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    reply,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function answerJson(res, c) {
  sendJson(res, 200, {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    choices: [{ index: 0, message: { role: 'assistant', content: c.reply }, finish_reason: 'stop' }],
    usage: c.usage,
  });
}

function answerStream(res, c, includeUsage) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model };
  const send = (payload) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  for (const piece of c.reply.match(/\S+\s*/g) ?? []) send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  if (includeUsage) send({ ...base, choices: [], usage: c.usage });
  res.end('data: [DONE]\n\n');
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://mock');
  if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (req.method === 'GET' && url.pathname === '/v1/models') {
    return sendJson(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock' })) });
  }
  if (url.pathname !== '/v1/chat/completions') return sendError(res, 404, `no such endpoint: ${req.method} ${url.pathname}`, 'not_found_error');
  if (req.method !== 'POST') return sendError(res, 405, 'use POST');
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch (err) {
    return sendError(res, err.status ?? 400, err.status ? err.message : 'request body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || typeof body.model !== 'string' || body.model === '') return sendError(res, 400, 'model is required');
  if (!Array.isArray(body.messages)) return sendError(res, 400, 'messages must be a list');
  const c = completion(body);
  if (body.stream === true) return answerStream(res, c, body.stream_options?.include_usage === true);
  return answerJson(res, c);
}

/** Creates (does not start) the mock server. */
export function createMockLlmServer() {
  return createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'mock server error', 'server_error');
      else res.destroy();
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8000);
  const server = createMockLlmServer();
  server.listen(port, '0.0.0.0', () => process.stdout.write(`mock LLM listening on :${port}\n`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
