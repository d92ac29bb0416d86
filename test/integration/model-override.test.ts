/**
 * `backends[].modelNameOverride` through the real service: the router-level call renames the
 * model for a rule whose backends agree (driven by the official OpenAI SDK through the
 * Envoy-protocol harness), and the upstream-level call renames it per attempt for the backend
 * Envoy picked (driven as Envoy drives an upstream filter: the cluster name in the attributes).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { histogramSum } from '../support/prometheus.js';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from '../support/raw-stream.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';

const CONFIG = `
rules:
  - name: dated
    headers: [{ name: x-ai-eg-model, exact: gpt-4o }]
    backends:
      - { name: openai, host: api.openai.com, modelNameOverride: gpt-4o-2024-08-06 }
  - name: gemini-dated
    headers: [{ name: x-ai-eg-model, exact: gemini-pro }]
    backends:
      - { name: gemini, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, modelNameOverride: gemini-2.0-flash-001, auth: { apiKey: { key: g-provider-key } } }
  - name: mixed
    headers: [{ name: x-ai-eg-model, exact: house-model }]
    backends:
      - { name: openai-mixed, host: api.openai.com, modelNameOverride: gpt-4o-mini }
      - { name: local, host: vllm.default.svc, port: 8000, modelNameOverride: meta-llama/Llama-3.1-8B-Instruct }
`;

let svc: TestService;
let route: SingleRoute;
let gemini: SingleRoute;

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
  route = await startSingleRoute({
    processorAddress: svc.target,
    rule: 'dated',
    handler: jsonReply(chatCompletionJson({ id: 'chatcmpl-dated', model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } })),
  });
  gemini = await startSingleRoute({
    processorAddress: svc.target,
    rule: 'gemini-dated',
    handler: jsonReply(JSON.stringify({ candidates: [], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 1, totalTokenCount: 5 }, modelVersion: 'gemini-2.0-flash-001' })),
  });
});

afterAll(async () => {
  await route?.close();
  await gemini?.close();
  await svc?.stop();
});

describe('modelNameOverride', () => {
  it('sends the backend its own model name; routing and metrics keep the client’s', async () => {
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${route.harness.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'say "model": "x"' }] });
    expect(completion.model).toBe('gpt-4o-2024-08-06');
    const sent = route.upstream.requests.at(-1)!;
    const body = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toEqual({ model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'say "model": "x"' }] });
    expect(Number(sent.headers['content-length'])).toBe(sent.body.length);
    expect(sent.headers['x-ai-eg-model']).toBe('gpt-4o');
    expect(route.harness.violations).toEqual([]);
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'input', gen_ai_request_model: 'gpt-4o', gen_ai_response_model: 'gpt-4o-2024-08-06' })).toBe(9);
  });

  it('renames a model named in the URL (Gemini), with the ?key= the client sent replaced by the provider key', async () => {
    const res = await fetch(`${gemini.harness.url}/v1beta/models/gemini-pro:generateContent?key=client-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    const sent = gemini.upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.0-flash-001:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('g-provider-key');
    expect(gemini.harness.violations).toEqual([]);
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'input', gen_ai_request_model: 'gemini-pro' })).toBe(4);
  });

  it('leaves a rule whose backends differ to the upstream-level call, which renames per attempt', async () => {
    // Router level: the body goes on unchanged (Envoy has not picked a backend yet).
    const routed = new RawStream(connect(svc.target));
    await routed.roundTrip(headersMessage(chatHeaders()));
    const reply = await routed.roundTrip(bodyMessage('{"model":"house-model","messages":[]}', true));
    expect(mutationOf(reply).set['x-ai-eg-selected-route']).toBe('mixed');
    expect(reply.requestBody?.response?.bodyMutation).toBeFalsy();
    await routed.close();

    // Upstream level: each attempt gets its cluster's backend's name.
    for (const [cluster, model] of [
      ['backend_openai-mixed', 'gpt-4o-mini'],
      ['backend_local', 'meta-llama/Llama-3.1-8B-Instruct'],
    ] as const) {
      const attempt = new RawStream(connect(svc.target));
      const headers = headersMessage(chatHeaders({ 'x-ai-eg-selected-route': 'mixed' }));
      (headers as Record<string, unknown>)['attributes'] = { 'envoy.filters.http.ext_proc': { fields: { 'xds.cluster_name': { stringValue: cluster } } } };
      await attempt.roundTrip(headers);
      const r = await attempt.roundTrip(bodyMessage('{"model":"house-model","messages":[]}', true));
      const renamed = Buffer.from(r.requestBody!.response!.bodyMutation!.body!).toString('utf8');
      expect(JSON.parse(renamed)).toEqual({ model, messages: [] });
      expect(mutationOf(r).set['content-length']).toBe(String(Buffer.byteLength(renamed)));
      const { status } = await attempt.close();
      expect(status.code).toBe(0);
    }
  });
});
