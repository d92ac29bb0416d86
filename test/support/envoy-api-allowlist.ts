/**
 * Envoy API definitions newer than the snapshot inside `@grpc/grpc-js-xds` (taken mid-2024, about
 * Envoy 1.31), which the Envoy config validator adds to the snapshot so configs that use them can
 * still be checked field by field. Each entry names one message field (or enum value, or new
 * message) with Envoy's own field number and type, the release that added it, and the change that
 * did — never a blanket skip. Loading fails when an entry is already in the snapshot, so a newer
 * snapshot makes stale entries visible.
 *
 * Sources: Envoy's `api/envoy/config/route/v3/route_components.proto` and
 * `api/envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto`; release notes of 1.33.0
 * (January 2025) and 1.34.0 (April 2025).
 */
import type { EnvoyApiAddition } from './envoy-api-root.js';

/** The allowlist used for every config this project ships. */
export const ENVOY_API_ALLOWLIST: readonly EnvoyApiAddition[] = [
  {
    // Token rate limits: the per-descriptor addend, a number or a substitution format such as
    // `%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_total_token)%`.
    kind: 'message',
    message: 'envoy.config.route.v3.RateLimit.HitsAddend',
    fields: { number: { id: 1, type: 'google.protobuf.UInt64Value' }, format: { id: 2, type: 'string' } },
    since: 'Envoy 1.33.0',
    source: 'envoyproxy/envoy pull 37567',
  },
  {
    kind: 'field',
    field: 'envoy.config.route.v3.RateLimit.hits_addend',
    id: 5,
    type: 'envoy.config.route.v3.RateLimit.HitsAddend',
    since: 'Envoy 1.33.0',
    source: 'envoyproxy/envoy pull 37567',
  },
  {
    // Charge a descriptor when the stream ends (after the response body carried the usage).
    kind: 'field',
    field: 'envoy.config.route.v3.RateLimit.apply_on_stream_done',
    id: 6,
    type: 'bool',
    since: 'Envoy 1.33.0',
    source: 'envoyproxy/envoy pull 37548 (release note: pull 37775)',
  },
  {
    // ext_proc body mode where Envoy streams body chunks and the processor answers each with a
    // streamed_response; the only streamed mode in which the request can still be re-routed.
    kind: 'enumValue',
    value: 'envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED',
    number: 4,
    since: 'Envoy 1.34.0',
    source: 'envoyproxy/envoy pull 34942',
  },
];
