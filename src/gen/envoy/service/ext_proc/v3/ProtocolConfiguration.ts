// Original file: protos/envoy/service/ext_proc/v3/external_processor.proto

import type { _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode, _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode__Output } from '../../../../envoy/extensions/filters/http/ext_proc/v3/ProcessingMode.js';

/**
 * Body modes the filter is configured with, sent on the first message of a stream.
 */
export interface ProtocolConfiguration {
  'requestBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode);
  'responseBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode);
  'sendBodyWithoutWaitingForHeaderResponse'?: (boolean);
}

/**
 * Body modes the filter is configured with, sent on the first message of a stream.
 */
export interface ProtocolConfiguration__Output {
  'requestBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode__Output);
  'responseBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode__Output);
  'sendBodyWithoutWaitingForHeaderResponse'?: (boolean);
}
