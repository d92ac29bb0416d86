/**
 * The processor's view of Envoy's messages, free of proto shapes: `src/envoy/` converts
 * ProcessingRequest → {@link PhaseMessage} and {@link PhaseReply} → ProcessingResponse.
 */

/** The six phases of an HTTP request Envoy can send. */
export type Phase = 'requestHeaders' | 'requestBody' | 'requestTrailers' | 'responseHeaders' | 'responseBody' | 'responseTrailers';

/** Envoy's body send modes. */
export type BodyMode = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED';

/** Header list as received: lower-cased names, values decoded from raw bytes, duplicates joined with `,`. */
export type HeaderRecord = Record<string, string>;

/** One message from Envoy. */
export interface PhaseMessage {
  readonly phase: Phase;
  /** Headers or trailers, for header and trailer phases. */
  readonly headers?: HeaderRecord;
  /** Body bytes, for body phases. */
  readonly body?: Buffer;
  /** End of the request or response stream. */
  readonly endOfStream: boolean;
  /** Envoy does not wait for (and ignores) replies. */
  readonly observabilityMode: boolean;
  /** Body modes configured on the filter, when Envoy sends them (first message, Envoy ≥ 1.35). */
  readonly protocol?: { readonly requestBodyMode: BodyMode; readonly responseBodyMode: BodyMode };
  /**
   * Attributes Envoy sent (`request_attributes`), flattened over filter names: attribute name →
   * plain value, e.g. `xds.cluster_name` from an upstream-level filter.
   */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** Header changes of a reply. */
export interface HeaderChanges {
  /** Headers to set (overwrite if present, else add). */
  readonly set?: ReadonlyArray<readonly [string, string]>;
  /** Headers to remove. */
  readonly remove?: readonly string[];
}

/** Continue processing, possibly with changes. */
export interface ContinueReply {
  readonly kind: 'continue';
  /** The phase this replies to. */
  readonly phase: Phase;
  readonly headers?: HeaderChanges;
  /** Replace the (buffered) body, or this streamed chunk, with these bytes. */
  readonly body?: Buffer;
  /** A chunk of a body re-emitted in FULL_DUPLEX_STREAMED mode. */
  readonly streamedBody?: { readonly chunk: Buffer; readonly endOfStream: boolean };
  /** Ask Envoy to re-match the route after our header changes. */
  readonly clearRouteCache?: boolean;
  /** Switch the response body mode (mode_override, response-headers reply only). */
  readonly responseBodyMode?: BodyMode;
  /** Dynamic metadata, by namespace. */
  readonly dynamicMetadata?: Readonly<Record<string, Record<string, unknown>>>;
}

/** End the HTTP request here with a local reply. */
export interface ImmediateReply {
  readonly kind: 'immediate';
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string | Buffer;
  /** Short reason Envoy records (response code details). */
  readonly details: string;
}

/** A reply to one message. */
export type PhaseReply = ContinueReply | ImmediateReply;
