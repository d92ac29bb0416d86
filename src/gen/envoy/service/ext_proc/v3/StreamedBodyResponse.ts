// Original file: protos/envoy/service/ext_proc/v3/external_processor.proto


/**
 * One chunk of a body re-emitted in FULL_DUPLEX_STREAMED mode.
 */
export interface StreamedBodyResponse {
  'body'?: (Buffer | Uint8Array | string);
  'endOfStream'?: (boolean);
}

/**
 * One chunk of a body re-emitted in FULL_DUPLEX_STREAMED mode.
 */
export interface StreamedBodyResponse__Output {
  'body'?: (Buffer);
  'endOfStream'?: (boolean);
}
