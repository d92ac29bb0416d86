/**
 * What our protos declare that the Envoy API snapshot inside `@grpc/grpc-js-xds` (mid-2024) does
 * not have yet. Names and numbers are Envoy's, from its current
 * `api/envoy/service/ext_proc/v3/external_processor.proto` and
 * `api/envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto`.
 *
 * Releases:
 * - FULL_DUPLEX_STREAMED, StreamedBodyResponse and BodyMutation.streamed_response came together
 *   (envoyproxy/envoy pull 34942, merged November 2024, after 1.32.0); the FULL_DUPLEX_STREAMED
 *   body mode is announced as a new feature in Envoy 1.34.0's release notes, so 1.34.0 is the
 *   first release to rely on.
 * - ProtocolConfiguration and ProcessingRequest.protocol_config: envoyproxy/envoy pulls 38451
 *   (API) and 38755 (Envoy sends it on the first message of a stream); first in Envoy 1.34.0.
 */
import type { AllowlistEntry } from './proto-compare.js';

/** Allowlist for {@link compareProtoRoots}: every entry is checked by a byte fixture too. */
export const NEWER_THAN_SNAPSHOT: readonly AllowlistEntry[] = [
  {
    kind: 'enumValue',
    fullName: 'envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED',
    value: 4,
    since: 'Envoy 1.34.0',
  },
  {
    kind: 'message',
    fullName: 'envoy.service.ext_proc.v3.ProtocolConfiguration',
    fields: { request_body_mode: 1, response_body_mode: 2, send_body_without_waiting_for_header_response: 3 },
    since: 'Envoy 1.34.0',
  },
  {
    kind: 'field',
    fullName: 'envoy.service.ext_proc.v3.ProcessingRequest.protocol_config',
    id: 11,
    since: 'Envoy 1.34.0',
  },
  {
    kind: 'message',
    fullName: 'envoy.service.ext_proc.v3.StreamedBodyResponse',
    fields: { body: 1, end_of_stream: 2 },
    since: 'Envoy 1.34.0',
  },
  {
    kind: 'field',
    fullName: 'envoy.service.ext_proc.v3.BodyMutation.streamed_response',
    id: 3,
    oneof: 'mutation',
    since: 'Envoy 1.34.0',
  },
];
