/**
 * Our protos against Envoy's: field-by-field against the upstream snapshot, and byte fixtures
 * (written by hand from Envoy's published field numbers) for what the snapshot does not have yet.
 * Fixtures go through the same proto-loader definitions the gRPC server uses.
 */
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadServiceDefinitions } from '../src/envoy/protos.js';
import { NEWER_THAN_SNAPSHOT } from './support/newer-than-snapshot.js';
import { compareProtoRoots, declaredTypes } from './support/proto-compare.js';
import { loadOurRoot, loadUpstreamDefinitions, loadUpstreamRoot } from './support/proto-roots.js';

/** Hex bytes with spaces, line breaks and `#` comments (to the end of the line) → bytes. */
function hex(text: string): Buffer {
  const digits = text.replace(/#.*$/gm, '').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`not hex: ${digits}`);
  return Buffer.from(digits, 'hex');
}

/** The Process method (serializers and deserializers) of an ExternalProcessor definition. */
function processMethod(service: grpc.ServiceDefinition | undefined): grpc.MethodDefinition<object, object> {
  const method = service?.['Process'];
  if (!method) throw new Error('ExternalProcessor.Process missing');
  return method as grpc.MethodDefinition<object, object>;
}

const ours = processMethod(loadServiceDefinitions().extProcObjects);

describe('our protos against the Envoy API snapshot', () => {
  it('walk every ext_proc and health type we declare', () => {
    const names = declaredTypes(loadOurRoot()).map((t) => t.fullName.slice(1));
    expect(names).toEqual(
      expect.arrayContaining([
        'envoy.service.ext_proc.v3.ExternalProcessor',
        'envoy.service.ext_proc.v3.ProcessingRequest',
        'envoy.service.ext_proc.v3.ProcessingResponse',
        'envoy.service.ext_proc.v3.CommonResponse.ResponseStatus',
        'envoy.config.core.v3.HeaderValueOption.HeaderAppendAction',
        'envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode',
        'envoy.type.v3.StatusCode',
        'grpc.health.v1.HealthCheckResponse.ServingStatus',
        'grpc.health.v1.Health',
      ]),
    );
    expect(names.some((name) => name.startsWith('google.'))).toBe(false);
    expect(names).toHaveLength(31);
  });

  it('are wire-identical to upstream, apart from the allowlisted newer fields', () => {
    expect(compareProtoRoots(loadOurRoot(), loadUpstreamRoot(), NEWER_THAN_SNAPSHOT)).toEqual([]);
  });

  it('would be caught with a wrong field number', () => {
    const broken = loadOurRoot();
    const field = broken.lookupType('envoy.service.ext_proc.v3.ProcessingResponse').fields['mode_override'];
    if (!field) throw new Error('mode_override missing');
    field.id = 19;
    expect(compareProtoRoots(broken, loadUpstreamRoot(), NEWER_THAN_SNAPSHOT)).toEqual([
      'envoy.service.ext_proc.v3.ProcessingResponse.mode_override: number is 19, upstream has 9',
    ]);
  });
});

describe('byte fixtures for fields newer than the snapshot', () => {
  it('ProcessingRequest.protocol_config (11) with FULL_DUPLEX_STREAMED', () => {
    const bytes = hex(`
      12 02    # request_headers: tag (2<<3)|2 = 0x12, length 2
        18 01  # . HttpHeaders.end_of_stream: tag (3<<3)|0 = 0x18, true
      5a 06    # protocol_config: tag (11<<3)|2 = 0x5a, length 6
        08 04  # . request_body_mode: tag (1<<3)|0 = 0x08, FULL_DUPLEX_STREAMED = 4
        10 01  # . response_body_mode: tag (2<<3)|0 = 0x10, STREAMED = 1
        18 01  # . send_body_without_waiting_for_header_response: tag (3<<3)|0 = 0x18, true
    `);
    const message = {
      requestHeaders: { endOfStream: true },
      request: 'requestHeaders',
      protocolConfig: {
        requestBodyMode: 'FULL_DUPLEX_STREAMED',
        responseBodyMode: 'STREAMED',
        sendBodyWithoutWaitingForHeaderResponse: true,
      },
    };
    expect(ours.requestDeserialize(bytes)).toEqual(message);
    expect(ours.requestSerialize(message).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('BodyMutation.streamed_response (3, oneof mutation) carrying a StreamedBodyResponse', () => {
    const bytes = hex(`
      22 0c               # response_body: tag (4<<3)|2 = 0x22, length 12
        0a 0a             # . BodyResponse.response: tag (1<<3)|2 = 0x0a, length 10
          1a 08           # . . CommonResponse.body_mutation: tag (3<<3)|2 = 0x1a, length 8
            1a 06         # . . . BodyMutation.streamed_response: tag (3<<3)|2 = 0x1a, length 6
              0a 02 6869  # . . . . StreamedBodyResponse.body: tag (1<<3)|2 = 0x0a, "hi"
              10 01       # . . . . StreamedBodyResponse.end_of_stream: tag (2<<3)|0 = 0x10, true
    `);
    const message = {
      responseBody: {
        response: {
          bodyMutation: { streamedResponse: { body: Buffer.from('hi'), endOfStream: true }, mutation: 'streamedResponse' },
        },
      },
      response: 'responseBody',
    };
    expect(ours.responseDeserialize(bytes)).toEqual(message);
    expect(ours.responseSerialize(message).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('ProcessingResponse.mode_override switching the response body to FULL_DUPLEX_STREAMED (4)', () => {
    const bytes = hex(`
      12 00    # response_headers: tag (2<<3)|2 = 0x12, length 0 (empty HeadersResponse)
      4a 02    # mode_override: tag (9<<3)|2 = 0x4a, length 2
        20 04  # . ProcessingMode.response_body_mode: tag (4<<3)|0 = 0x20, FULL_DUPLEX_STREAMED = 4
    `);
    const message = {
      responseHeaders: {},
      response: 'responseHeaders',
      modeOverride: { responseBodyMode: 'FULL_DUPLEX_STREAMED' },
    };
    expect(ours.responseDeserialize(bytes)).toEqual(message);
    expect(ours.responseSerialize(message).toString('hex')).toBe(bytes.toString('hex'));
  });
});

describe('byte fixture cross-checked with the upstream encoder', () => {
  // The reply that routes a request: set a header from raw bytes, overwrite any client copy,
  // drop content-length, re-match the route, and ask for the request body BUFFERED.
  const bytes = hex(`
    0a 33                                       # request_headers: tag (1<<3)|2 = 0x0a, length 51
      0a 31                                     # . HeadersResponse.response: tag (1<<3)|2, length 49
        12 2d                                   # . . CommonResponse.header_mutation: tag (2<<3)|2 = 0x12, length 45
          0a 1b                                 # . . . HeaderMutation.set_headers[0]: tag (1<<3)|2, length 27
            0a 17                               # . . . . HeaderValueOption.header: tag (1<<3)|2, length 23
              0a 0d 782d61692d65672d6d6f64656c  # . . . . . HeaderValue.key: tag (1<<3)|2, "x-ai-eg-model"
              1a 06 6770742d346f                # . . . . . HeaderValue.raw_value: tag (3<<3)|2 = 0x1a, "gpt-4o"
            18 02                               # . . . . append_action: tag (3<<3)|0 = 0x18, OVERWRITE_IF_EXISTS_OR_ADD = 2
          12 0e 636f6e74656e742d6c656e677468    # . . . remove_headers[0]: tag (2<<3)|2, "content-length"
        28 01                                   # . . clear_route_cache: tag (5<<3)|0 = 0x28, true
    4a 02                                       # mode_override: tag (9<<3)|2 = 0x4a, length 2
      18 02                                     # . ProcessingMode.request_body_mode: tag (3<<3)|0 = 0x18, BUFFERED = 2
  `);
  const message = {
    requestHeaders: {
      response: {
        headerMutation: {
          setHeaders: [
            { header: { key: 'x-ai-eg-model', rawValue: Buffer.from('gpt-4o') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
          ],
          removeHeaders: ['content-length'],
        },
        clearRouteCache: true,
      },
    },
    response: 'requestHeaders',
    modeOverride: { requestBodyMode: 'BUFFERED' },
  };
  const upstream = processMethod(
    loadUpstreamDefinitions()['envoy.service.ext_proc.v3.ExternalProcessor'] as grpc.ServiceDefinition | undefined,
  );

  it('is written identically by our encoder and the upstream one', () => {
    expect(ours.responseSerialize(message).toString('hex')).toBe(bytes.toString('hex'));
    expect(upstream.responseSerialize(message).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('is read identically by our decoder and the upstream one', () => {
    expect(ours.responseDeserialize(bytes)).toEqual(message);
    expect(upstream.responseDeserialize(bytes)).toEqual(message);
  });
});
