// Original file: protos/envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto


// Original file: protos/envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto

export const _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode = {
  NONE: 'NONE',
  /**
   * Chunks as they arrive; headers have already gone upstream.
   */
  STREAMED: 'STREAMED',
  /**
   * Whole body in one message (up to the buffer limit).
   */
  BUFFERED: 'BUFFERED',
  /**
   * Up to the buffer limit, then what arrived is sent.
   */
  BUFFERED_PARTIAL: 'BUFFERED_PARTIAL',
  /**
   * Chunks as they arrive, and the processor answers with streamed_response
   * body mutations; header replies may be held until the body is seen.
   */
  FULL_DUPLEX_STREAMED: 'FULL_DUPLEX_STREAMED',
} as const;

export type _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode =
  | 'NONE'
  | 0
  /**
   * Chunks as they arrive; headers have already gone upstream.
   */
  | 'STREAMED'
  | 1
  /**
   * Whole body in one message (up to the buffer limit).
   */
  | 'BUFFERED'
  | 2
  /**
   * Up to the buffer limit, then what arrived is sent.
   */
  | 'BUFFERED_PARTIAL'
  | 3
  /**
   * Chunks as they arrive, and the processor answers with streamed_response
   * body mutations; header replies may be held until the body is seen.
   */
  | 'FULL_DUPLEX_STREAMED'
  | 4

export type _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode__Output = typeof _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode[keyof typeof _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode]

// Original file: protos/envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto

export const _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode = {
  DEFAULT: 'DEFAULT',
  SEND: 'SEND',
  SKIP: 'SKIP',
} as const;

export type _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode =
  | 'DEFAULT'
  | 0
  | 'SEND'
  | 1
  | 'SKIP'
  | 2

export type _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode__Output = typeof _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode[keyof typeof _envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode]

/**
 * Which phases Envoy sends to the processor, and how bodies are delivered.
 */
export interface ProcessingMode {
  'requestHeaderMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode);
  'responseHeaderMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode);
  'requestBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode);
  'responseBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode);
  'requestTrailerMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode);
  'responseTrailerMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode);
}

/**
 * Which phases Envoy sends to the processor, and how bodies are delivered.
 */
export interface ProcessingMode__Output {
  'requestHeaderMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode__Output);
  'responseHeaderMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode__Output);
  'requestBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode__Output);
  'responseBodyMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_BodySendMode__Output);
  'requestTrailerMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode__Output);
  'responseTrailerMode'?: (_envoy_extensions_filters_http_ext_proc_v3_ProcessingMode_HeaderSendMode__Output);
}
