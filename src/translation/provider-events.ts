/**
 * Provider response streams decoded into events, whatever their framing: server-sent events
 * (Anthropic, Vertex AI, Gemini `alt=sse`, OpenAI) or the AWS binary event stream (Bedrock
 * ConverseStream; InvokeModelWithResponseStream, whose `chunk` events carry the model's own
 * event JSON base64-encoded in `bytes`). Each source keeps only the unfinished event or frame.
 */
import { type AwsEvent, AwsEventStreamParser } from '../apis/aws-eventstream.js';
import { asObject, asString, parseJson } from '../apis/json-fields.js';
import { awsTypeName } from '../apis/provider-error.js';
import { SseParser } from '../apis/sse.js';

/** One decoded event: a named (or unnamed) JSON text, or an error the stream reported. */
export type ProviderEvent =
  | { readonly event?: string; readonly data: string; readonly error?: undefined }
  | { readonly error: { readonly type: string; readonly message: string } };

/** Bytes in, events out. */
export interface EventSource {
  push(chunk: Uint8Array): ProviderEvent[];
  end(): ProviderEvent[];
  /** True when the source holds nothing unfinished (a byte-level fast path may read the next bytes itself). */
  readonly idle?: boolean;
}

/** Server-sent events. */
export class SseSource implements EventSource {
  private readonly sse = new SseParser();

  /** True between events (see {@link SseParser.idle}). */
  get idle(): boolean {
    return this.sse.idle;
  }

  push(chunk: Uint8Array): ProviderEvent[] {
    return this.sse.push(chunk);
  }
  end(): ProviderEvent[] {
    return this.sse.end();
  }
}

/** AWS event stream: each frame's `:event-type` and JSON payload; exceptions as errors. */
export class AwsSource implements EventSource {
  private readonly aws = new AwsEventStreamParser();
  private failedReported = false;

  /** @param unwrapChunks decode InvokeModel `chunk` frames (`{"bytes": base64}`) to the inner JSON. */
  constructor(private readonly unwrapChunks: boolean) {}

  push(chunk: Uint8Array): ProviderEvent[] {
    return this.convert(this.aws.push(chunk));
  }

  end(): ProviderEvent[] {
    return this.convert(this.aws.end());
  }

  private convert(events: AwsEvent[]): ProviderEvent[] {
    const out: ProviderEvent[] = [];
    for (const e of events) {
      const text = Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength).toString('utf8');
      if (e.messageType === 'exception' || e.messageType === 'error') {
        const body = asObject(parseJson(text));
        const message = asString(body?.['message']) ?? asString(body?.['Message']) ?? 'the provider reported an error in the stream';
        out.push({ error: { type: awsTypeName(e.exceptionType ?? 'InternalServerException'), message } });
        continue;
      }
      if (!this.unwrapChunks) {
        out.push(e.eventType !== undefined ? { event: e.eventType, data: text } : { data: text });
        continue;
      }
      if (e.eventType !== 'chunk') continue;
      const bytes = asString(asObject(parseJson(text))?.['bytes']);
      if (bytes !== undefined) out.push({ data: Buffer.from(bytes, 'base64').toString('utf8') });
    }
    if (this.aws.errors > 0 && !this.failedReported) {
      this.failedReported = true;
      out.push({ error: { type: 'InternalServerException', message: `the provider's event stream could not be decoded: ${this.aws.lastError ?? 'corrupt frame'}` } });
    }
    return out;
  }
}
