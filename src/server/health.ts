/**
 * `grpc.health.v1.Health` on the gRPC port: Check and Watch for `""` and
 * `envoy.service.ext_proc.v3.ExternalProcessor`. Draining flips both to NOT_SERVING.
 */
import * as grpc from '@grpc/grpc-js';

/** The service names we answer for. */
export const HEALTH_SERVICES = ['', 'envoy.service.ext_proc.v3.ExternalProcessor'] as const;

type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** Health state plus the gRPC handlers serving it. */
export class HealthService {
  private serving = false;
  private readonly watchers = new Set<grpc.ServerWritableStream<{ service?: string }, { status: ServingStatus }>>();

  /** Sets the status of every known service and notifies watchers. */
  setServing(serving: boolean): void {
    if (this.serving === serving) return;
    this.serving = serving;
    for (const w of this.watchers) this.send(w);
  }

  private statusOf(service: string | undefined): ServingStatus {
    if (!(HEALTH_SERVICES as readonly string[]).includes(service ?? '')) return 'SERVICE_UNKNOWN';
    return this.serving ? 'SERVING' : 'NOT_SERVING';
  }

  private send(w: grpc.ServerWritableStream<{ service?: string }, { status: ServingStatus }>): void {
    w.write({ status: this.statusOf(w.request.service) });
  }

  /** Ends every Watch stream (on shutdown). */
  close(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  /** Handlers for `server.addService(health, …)`. */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      Check: (call: grpc.ServerUnaryCall<{ service?: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const status = this.statusOf(call.request.service);
        if (status === 'SERVICE_UNKNOWN') cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else cb(null, { status });
      },
      Watch: (call: grpc.ServerWritableStream<{ service?: string }, { status: ServingStatus }>) => {
        this.watchers.add(call);
        call.on('cancelled', () => this.watchers.delete(call));
        call.on('close', () => this.watchers.delete(call));
        this.send(call);
      },
    };
  }
}
