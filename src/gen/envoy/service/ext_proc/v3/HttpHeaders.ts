// Original file: protos/envoy/service/ext_proc/v3/external_processor.proto

import type { HeaderMap as _envoy_config_core_v3_HeaderMap, HeaderMap__Output as _envoy_config_core_v3_HeaderMap__Output } from '../../../../envoy/config/core/v3/HeaderMap.js';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../../../google/protobuf/Struct.js';

export interface HttpHeaders {
  'headers'?: (_envoy_config_core_v3_HeaderMap | null);
  /**
   * @deprecated
   */
  'attributes'?: ({[key: string]: _google_protobuf_Struct});
  'endOfStream'?: (boolean);
}

export interface HttpHeaders__Output {
  'headers'?: (_envoy_config_core_v3_HeaderMap__Output);
  /**
   * @deprecated
   */
  'attributes'?: ({[key: string]: _google_protobuf_Struct__Output});
  'endOfStream'?: (boolean);
}
