/**
 * The ext_proc message shapes as @grpc/proto-loader delivers them with our LOADER_OPTIONS
 * (camelCase, enums as names, oneofs named). Only `src/envoy/` uses these.
 */

/** HeaderValue as received or sent. */
export interface WireHeaderValue {
  key?: string;
  value?: string;
  rawValue?: Buffer | Uint8Array;
}

/** HeaderMap. */
export interface WireHeaderMap {
  headers?: WireHeaderValue[];
}

/** ProcessingRequest as decoded. */
export interface WireProcessingRequest {
  request?: 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody' | 'requestTrailers' | 'responseTrailers';
  requestHeaders?: { headers?: WireHeaderMap; endOfStream?: boolean };
  responseHeaders?: { headers?: WireHeaderMap; endOfStream?: boolean };
  requestBody?: { body?: Buffer; endOfStream?: boolean };
  responseBody?: { body?: Buffer; endOfStream?: boolean };
  requestTrailers?: { trailers?: WireHeaderMap };
  responseTrailers?: { trailers?: WireHeaderMap };
  observabilityMode?: boolean;
  /** Attributes Envoy was asked to send (`request_attributes`), keyed by filter name. */
  attributes?: Record<string, WireStruct>;
  protocolConfig?: { requestBodyMode?: string; responseBodyMode?: string; sendBodyWithoutWaitingForHeaderResponse?: boolean };
}

/** HeaderMutation. */
export interface WireHeaderMutation {
  setHeaders?: Array<{ header: WireHeaderValue; appendAction?: string }>;
  removeHeaders?: string[];
}

/** CommonResponse. */
export interface WireCommonResponse {
  status?: 'CONTINUE' | 'CONTINUE_AND_REPLACE';
  headerMutation?: WireHeaderMutation;
  bodyMutation?: { body?: Buffer } | { streamedResponse: { body: Buffer; endOfStream: boolean } };
  clearRouteCache?: boolean;
}

/** protobuf Struct in proto-loader's object form. */
export interface WireStruct {
  fields: Record<string, WireValue>;
}

/** protobuf Value in proto-loader's object form. */
export type WireValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: WireStruct }
  | { listValue: { values: WireValue[] } };

/** ProcessingResponse to encode. */
export interface WireProcessingResponse {
  requestHeaders?: { response: WireCommonResponse };
  responseHeaders?: { response: WireCommonResponse };
  requestBody?: { response: WireCommonResponse };
  responseBody?: { response: WireCommonResponse };
  requestTrailers?: { headerMutation?: WireHeaderMutation };
  responseTrailers?: { headerMutation?: WireHeaderMutation };
  immediateResponse?: {
    status: { code: number };
    headers?: WireHeaderMutation;
    body?: Buffer;
    details?: string;
  };
  dynamicMetadata?: WireStruct;
  modeOverride?: { responseBodyMode?: string };
}
