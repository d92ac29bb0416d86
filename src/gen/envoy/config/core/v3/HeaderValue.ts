// Original file: protos/envoy/config/core/v3/base.proto


/**
 * One HTTP header. Envoy fills raw_value (bytes) and leaves value empty.
 */
export interface HeaderValue {
  'key'?: (string);
  'value'?: (string);
  'rawValue'?: (Buffer | Uint8Array | string);
}

/**
 * One HTTP header. Envoy fills raw_value (bytes) and leaves value empty.
 */
export interface HeaderValue__Output {
  'key'?: (string);
  'value'?: (string);
  'rawValue'?: (Buffer);
}
