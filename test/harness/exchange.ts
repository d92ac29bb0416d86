/**
 * The record of one HTTP request through the harness: what was sent to the processor, what
 * came back, what reached the upstream and the client. Tests assert on these.
 */
import type { AttemptRecord } from './upstream-attempts.js';
import type { HeaderList, InboundReply, JsonValue, OutboundMessage } from './wire.js';
import { structToJson } from './wire.js';

/** The request the harness sent to an upstream. */
export interface UpstreamRequestRecord {
  /** Name of the upstream (route target). */
  readonly upstream: string;
  readonly method: string;
  readonly path: string;
  /** Headers as sent (after mutations), without pseudo-headers. */
  readonly headers: HeaderList;
  readonly body: Buffer;
}

/** A protocol violation, tagged with the exchange it happened in. */
export interface Violation {
  readonly exchange: string;
  readonly message: string;
}

/** One HTTP request's journey through the harness. */
export class Exchange {
  /** Messages sent to the processor, in order. */
  readonly sent: OutboundMessage[] = [];
  /** Replies received from the processor, in order (including unexpected ones). */
  readonly received: InboundReply[] = [];
  /** `dynamic_metadata` of every reply, merged per namespace (later keys win, as Envoy). */
  readonly dynamicMetadata: Record<string, Record<string, JsonValue>> = {};
  /** Protocol violations seen in this exchange. */
  readonly violations: string[] = [];
  /**
   * What Envoy would reject, ignore or skip without failing the request (header mutations it
   * refuses, clear_route_cache it cannot honour, a mode_override not allowed, a stream the
   * processor closed early): not violations, but there to assert on.
   */
  readonly ignored: string[] = [];
  /** Upstream chosen by the route table (null: no route matched). */
  route: string | null = null;
  /** The request the upstream was sent, when one was. */
  upstreamRequest: UpstreamRequestRecord | undefined;
  /** Status the upstream answered with. */
  upstreamStatus: number | undefined;
  /** The attempts of a route with `attempts` (Envoy's retries over a failover cluster). */
  readonly attempts: AttemptRecord[] = [];
  /** Final status sent to the client. */
  status: number | undefined;
  /** Final response headers sent to the client (after mutations). */
  responseHeaders: HeaderList | undefined;
  /** Response body bytes written to the client. */
  responseBody: Buffer = Buffer.alloc(0);
  /** Why the harness answered by itself (immediate response, ext_proc failure, buffer limit…). */
  localReply: string | undefined;
  /** Final gRPC status of the processor stream (undefined when no stream was opened). */
  grpcStatus: { readonly code: number; readonly details: string } | undefined;
  /** Resolves when the exchange is complete: client answered and processor stream finished. */
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(
    /** Exchange id: the request's `x-harness-id`, or a generated one. */
    readonly id: string,
    /** Client request method. */
    readonly method: string,
    /** Client request path (before any mutation). */
    readonly path: string,
    private readonly onViolation: (violation: Violation) => void,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Records a protocol violation here and in the harness-wide list. */
  violation(message: string): void {
    this.violations.push(message);
    this.onViolation({ exchange: this.id, message });
  }

  /** Records a received reply and merges its dynamic metadata. */
  receive(reply: InboundReply): void {
    this.received.push(reply);
    for (const [namespace, value] of Object.entries(structToJson(reply.dynamicMetadata))) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        this.dynamicMetadata[namespace] = { ...this.dynamicMetadata[namespace], ...value };
      } else {
        this.violation(`dynamic_metadata namespace ${namespace} is not a Struct`);
      }
    }
  }

  /** The phases sent to the processor, by oneof name, in order. */
  phasesSent(): string[] {
    return this.sent.map((m) => m.request ?? 'unknown');
  }

  /** Marks the exchange complete. */
  finish(): void {
    this.resolveFinished();
  }
}
