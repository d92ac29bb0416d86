import { describe, expect, it } from 'vitest';
import type protobuf from 'protobufjs';
import { loadOurRoot, loadUpstreamRoot } from '../../test/support/proto-roots.js';
import type { PhaseReply } from '../hooks/phase.js';
import { toPhaseMessage, toProcessingResponse, UnknownPhaseError } from './messages.js';
import { loadServiceDefinitions } from './protos.js';
import type { WireProcessingRequest } from './wire-types.js';

const raw = (s: string) => Buffer.from(s, 'utf8');

describe('toPhaseMessage', () => {
  it('converts request headers (raw_value, lower-cased) and end_of_stream', () => {
    const m = toPhaseMessage({
      request: 'requestHeaders',
      requestHeaders: { headers: { headers: [{ key: ':Path', rawValue: raw('/v1/chat/completions') }, { key: 'X-Tenant', value: 'acme' }] }, endOfStream: true },
    });
    expect(m).toEqual({ phase: 'requestHeaders', headers: { ':path': '/v1/chat/completions', 'x-tenant': 'acme' }, endOfStream: true, observabilityMode: false });
  });

  it('converts response headers', () => {
    const m = toPhaseMessage({ request: 'responseHeaders', responseHeaders: { headers: { headers: [{ key: ':status', rawValue: raw('200') }] } } });
    expect(m).toMatchObject({ phase: 'responseHeaders', headers: { ':status': '200' }, endOfStream: false });
  });

  it('converts bodies, an absent body being empty', () => {
    const body = raw('{"model":"gpt-4o"}');
    expect(toPhaseMessage({ request: 'requestBody', requestBody: { body, endOfStream: true } })).toEqual({ phase: 'requestBody', body, endOfStream: true, observabilityMode: false });
    const empty = toPhaseMessage({ request: 'responseBody', responseBody: {} });
    expect(empty).toMatchObject({ phase: 'responseBody', endOfStream: false });
    expect(empty.body?.length).toBe(0);
  });

  it('converts trailers, which always end the stream', () => {
    expect(toPhaseMessage({ request: 'requestTrailers', requestTrailers: { trailers: { headers: [{ key: 'X-T', rawValue: raw('1') }] } } })).toEqual({
      phase: 'requestTrailers',
      headers: { 'x-t': '1' },
      endOfStream: true,
      observabilityMode: false,
    });
    expect(toPhaseMessage({ request: 'responseTrailers', responseTrailers: {} })).toMatchObject({ phase: 'responseTrailers', headers: {}, endOfStream: true });
  });

  it('carries observability_mode and protocol_config body modes', () => {
    const m = toPhaseMessage({
      request: 'requestHeaders',
      requestHeaders: {},
      observabilityMode: true,
      protocolConfig: { requestBodyMode: 'FULL_DUPLEX_STREAMED', responseBodyMode: 'STREAMED' },
    });
    expect(m).toMatchObject({ observabilityMode: true, protocol: { requestBodyMode: 'FULL_DUPLEX_STREAMED', responseBodyMode: 'STREAMED' } });
  });

  it('reads an unknown or missing body mode as NONE', () => {
    const m = toPhaseMessage({ request: 'requestBody', requestBody: {}, protocolConfig: { requestBodyMode: 'SOMETHING_NEW' } });
    expect(m.protocol).toEqual({ requestBodyMode: 'NONE', responseBodyMode: 'NONE' });
    expect(toPhaseMessage({ request: 'requestBody', requestBody: {} }).protocol).toBeUndefined();
  });

  it('throws UnknownPhaseError for an empty oneof', () => {
    expect(() => toPhaseMessage({})).toThrow(UnknownPhaseError);
    expect(() => toPhaseMessage({ observabilityMode: true })).toThrow('ProcessingRequest carries no known phase');
    expect(() => toPhaseMessage({ request: 'somethingElse' } as unknown as WireProcessingRequest)).toThrow(UnknownPhaseError);
  });
});

describe('toProcessingResponse', () => {
  it('answers a header phase with a CommonResponse: header mutation and clear_route_cache', () => {
    const out = toProcessingResponse({
      kind: 'continue',
      phase: 'requestHeaders',
      headers: { set: [['x-ai-eg-selected-route', 'openai']], remove: ['x-ai-eg-model'] },
      clearRouteCache: true,
    });
    expect(out).toEqual({
      requestHeaders: {
        response: {
          status: 'CONTINUE',
          clearRouteCache: true,
          headerMutation: {
            setHeaders: [{ header: { key: 'x-ai-eg-selected-route', rawValue: raw('openai') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
            removeHeaders: ['x-ai-eg-model'],
          },
        },
      },
    });
  });

  it('answers a plain continue with an empty CommonResponse', () => {
    expect(toProcessingResponse({ kind: 'continue', phase: 'responseBody' })).toEqual({ responseBody: { response: { status: 'CONTINUE' } } });
  });

  it('replaces a buffered body', () => {
    const body = raw('{"model":"gpt-4o","stream":true}');
    expect(toProcessingResponse({ kind: 'continue', phase: 'requestBody', body })).toEqual({ requestBody: { response: { status: 'CONTINUE', bodyMutation: { body } } } });
  });

  it('sends a streamed_response body mutation (FULL_DUPLEX_STREAMED), preferred over body', () => {
    const chunk = raw('chunk');
    const out = toProcessingResponse({ kind: 'continue', phase: 'requestBody', streamedBody: { chunk, endOfStream: true }, body: raw('ignored') });
    expect(out.requestBody?.response.bodyMutation).toEqual({ streamedResponse: { body: chunk, endOfStream: true } });
  });

  it('sets mode_override for a response body mode switch', () => {
    const out = toProcessingResponse({ kind: 'continue', phase: 'responseHeaders', responseBodyMode: 'STREAMED', headers: { remove: ['content-length'] } });
    expect(out.modeOverride).toEqual({ responseBodyMode: 'STREAMED' });
    expect(out.responseHeaders?.response.headerMutation).toEqual({ removeHeaders: ['content-length'] });
  });

  it('converts dynamic metadata by namespace into a Struct, and leaves out empty metadata', () => {
    const out = toProcessingResponse({
      kind: 'continue',
      phase: 'responseBody',
      dynamicMetadata: { 'io.envoy.ai_gateway': { llm_total_token: 42, model: 'gpt-4o' } },
    });
    expect(out.dynamicMetadata).toEqual({
      fields: {
        'io.envoy.ai_gateway': { structValue: { fields: { llm_total_token: { numberValue: 42 }, model: { stringValue: 'gpt-4o' } } } },
      },
    });
    expect(toProcessingResponse({ kind: 'continue', phase: 'responseBody', dynamicMetadata: {} }).dynamicMetadata).toBeUndefined();
  });

  it('answers trailers with a TrailersResponse', () => {
    expect(toProcessingResponse({ kind: 'continue', phase: 'responseTrailers' })).toEqual({ responseTrailers: {} });
    expect(toProcessingResponse({ kind: 'continue', phase: 'requestTrailers', headers: { set: [['x-t', '1']] } })).toEqual({
      requestTrailers: { headerMutation: { setHeaders: [{ header: { key: 'x-t', rawValue: raw('1') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }] } },
    });
  });

  it('builds an immediate response: status, headers, UTF-8 body, details', () => {
    const out = toProcessingResponse({
      kind: 'immediate',
      status: 404,
      headers: [['content-type', 'application/json']],
      body: '{"error":{"message":"no rule for \u00e9"}}',
      details: 'llm_extproc_no_matching_rule',
    });
    expect(out).toEqual({
      immediateResponse: {
        status: { code: 404 },
        headers: { setHeaders: [{ header: { key: 'content-type', rawValue: raw('application/json') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }] },
        body: raw('{"error":{"message":"no rule for \u00e9"}}'),
        details: 'llm_extproc_no_matching_rule',
      },
    });
    expect(toProcessingResponse({ kind: 'immediate', status: 503, headers: [], body: '', details: 'x' }).immediateResponse).not.toHaveProperty('headers');
  });
});

describe('on the wire', () => {
  const { Process } = loadServiceDefinitions().extProcObjects as unknown as {
    Process: { responseSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): WireProcessingRequest };
  };
  const envoy = loadUpstreamRoot(); // Envoy's own definitions, proto field names
  const ours = loadOurRoot(); // for fields newer than Envoy's snapshot (streamed_response)
  const decodeAs = (root: protobuf.Root, bytes: Buffer) =>
    root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse').toObject(root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse').decode(bytes), {
      enums: String,
      bytes: Buffer,
      defaults: false,
      oneofs: true,
    }) as Record<string, any>;

  const encode = (reply: PhaseReply) => Process.responseSerialize(toProcessingResponse(reply));

  it('encodes a route decision as Envoy reads it: append_action, raw_value bytes, clear_route_cache', () => {
    const decoded = decodeAs(
      envoy,
      encode({
        kind: 'continue',
        phase: 'requestBody',
        headers: { set: [['x-ai-eg-selected-route', 'openai'], ['x-ai-eg-model', 'gpt-4o-mini']], remove: ['content-length'] },
        clearRouteCache: true,
      }),
    );
    expect(decoded['response']).toBe('request_body');
    const common = decoded['request_body'].response;
    expect(common.clear_route_cache).toBe(true);
    expect(common.header_mutation.remove_headers).toEqual(['content-length']);
    const [route, model] = common.header_mutation.set_headers;
    expect(route.append_action).toBe('OVERWRITE_IF_EXISTS_OR_ADD');
    expect(route.header.key).toBe('x-ai-eg-selected-route');
    expect(Buffer.from(route.header.raw_value).toString()).toBe('openai');
    expect(route.header.value).toBeUndefined(); // Envoy rejects a HeaderValue with both set
    expect(Buffer.from(model.header.raw_value).toString()).toBe('gpt-4o-mini');
  });

  it('encodes an immediate response with Envoy status code, body bytes and details', () => {
    const decoded = decodeAs(envoy, encode({ kind: 'immediate', status: 413, headers: [['content-type', 'application/json']], body: '{"e":1}', details: 'too_large' }));
    const ir = decoded['immediate_response'];
    expect(ir.status.code).toBe('PayloadTooLarge');
    expect(Buffer.from(ir.body).toString()).toBe('{"e":1}');
    expect(ir.details).toBe('too_large');
    expect(ir.headers.set_headers[0].append_action).toBe('OVERWRITE_IF_EXISTS_OR_ADD');
  });

  it('encodes mode_override and dynamic metadata as Envoy reads them', () => {
    const decoded = decodeAs(
      envoy,
      encode({
        kind: 'continue',
        phase: 'responseHeaders',
        responseBodyMode: 'STREAMED',
        dynamicMetadata: { 'io.envoy.ai_gateway': { llm_total_token: 7, route: 'openai' } },
      }),
    );
    expect(decoded['mode_override'].response_body_mode).toBe('STREAMED');
    // protobufjs names the bundled well-known types' fields in camelCase even with keepCase.
    const ns = decoded['dynamic_metadata'].fields['io.envoy.ai_gateway'].structValue.fields;
    expect(ns.llm_total_token.numberValue).toBe(7);
    expect(ns.route.stringValue).toBe('openai');
  });

  it('encodes a streamed_response body mutation with its end_of_stream', () => {
    const decoded = decodeAs(ours, encode({ kind: 'continue', phase: 'requestBody', streamedBody: { chunk: raw('abc'), endOfStream: true } }));
    const mutation = decoded['request_body'].response.body_mutation;
    expect(Buffer.from(mutation.streamed_response.body).toString()).toBe('abc');
    expect(mutation.streamed_response.end_of_stream).toBe(true);
  });

  it('decodes headers as Envoy sends them (raw_value only) into the domain message', () => {
    const type = envoy.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
    const bytes = Buffer.from(
      type
        .encode(
          type.fromObject({
            request_headers: {
              headers: { headers: [{ key: ':path', raw_value: raw('/v1/messages') }, { key: 'x-api-key', raw_value: raw('secret') }, { key: 'x-api-key', raw_value: raw('again') }] },
              end_of_stream: false,
            },
          }),
        )
        .finish(),
    );
    expect(toPhaseMessage(Process.requestDeserialize(bytes))).toEqual({
      phase: 'requestHeaders',
      headers: { ':path': '/v1/messages', 'x-api-key': 'secret,again' },
      endOfStream: false,
      observabilityMode: false,
    });
  });

  it('decodes request attributes (filter name → Struct) into one flat record', () => {
    const type = envoy.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
    const bytes = Buffer.from(
      type
        .encode(
          type.fromObject({
            request_headers: { headers: { headers: [{ key: ':path', raw_value: raw('/v1/messages') }] }, end_of_stream: true },
            attributes: {
              'envoy.filters.http.ext_proc': { fields: { 'xds.cluster_name': { stringValue: 'backend_anthropic' }, 'upstream.port': { numberValue: 443 } } },
            },
          }),
        )
        .finish(),
    );
    expect(toPhaseMessage(Process.requestDeserialize(bytes))).toEqual({
      phase: 'requestHeaders',
      headers: { ':path': '/v1/messages' },
      endOfStream: true,
      observabilityMode: false,
      attributes: { 'xds.cluster_name': 'backend_anthropic', 'upstream.port': 443 },
    });
  });

  it('decodes a message with no phase set to UnknownPhaseError', () => {
    const type = envoy.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
    const bytes = Buffer.from(type.encode(type.fromObject({ observability_mode: true })).finish());
    expect(() => toPhaseMessage(Process.requestDeserialize(bytes))).toThrow(UnknownPhaseError);
  });
});
