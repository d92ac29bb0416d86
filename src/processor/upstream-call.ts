/**
 * A call from the upstream-level ext_proc filter (in a backend cluster's `http_filters`), which
 * runs once per attempt after Envoy picked the cluster: the router-level call has already routed
 * and authenticated, so this only puts the picked backend's credential on the request (client
 * credentials and `?key=` removed) and, when the backend has a `modelNameOverride`, its model
 * name in the body or the path. Retries and fallback to another provider each get their own call, so each
 * attempt carries the right key and name. The backend is found from the `xds.cluster_name`
 * attribute, by the names the generated Envoy config gives clusters.
 */
import type { Logger } from 'pino';
import { keyRequired } from '../config/key-required.js';
import { detectApi } from '../apis/registry.js';
import { CredentialUnavailableError } from '../credentials/backend-credential.js';
import { UserFacingError } from '../errors.js';
import type { BackendConfig } from '../config/schema.js';
import type { Generation } from './generation.js';
import type { PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { withModel, withRenamedPath } from './model-override.js';
import { pathWithModel } from '../apis/url-path.js';
import { continueReply, errorReply } from './replies.js';

/** The attribute an upstream-level filter is configured to send (`request_attributes`). */
export const CLUSTER_ATTRIBUTE = 'xds.cluster_name';

/** The cluster name when `msg` comes from an upstream-level filter, else undefined. */
export function upstreamCluster(msg: PhaseMessage): string | undefined {
  const v = msg.attributes?.[CLUSTER_ATTRIBUTE];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** One upstream attempt. */
export class UpstreamCall {
  private headers: Record<string, string> = {};
  /** The body is held for a signature over it or a model rename (set at request headers). */
  private holdBody = false;
  private signsBody = false;
  private modelOverride: string | undefined;
  /** `:path` with the URL model renamed to the backend's `modelNameOverride`, when it was. */
  private upstreamPath: string | undefined;
  private body: Buffer[] = [];
  /** The backend behind the cluster Envoy picked (undefined for a cluster we did not generate). */
  private readonly picked: BackendConfig | undefined;

  constructor(
    private readonly generation: Generation,
    private readonly cluster: string,
    private readonly logger: Logger,
  ) {
    this.picked = generation.credentials?.backendOfCluster(cluster);
  }

  /** Handles one message of the attempt. */
  async handle(msg: PhaseMessage): Promise<PhaseReply[]> {
    switch (msg.phase) {
      case 'requestHeaders': {
        this.headers = { ...msg.headers };
        const backend = this.picked?.name;
        const sign = backend !== undefined && this.generation.credentials?.has(backend) === true;
        this.signsBody = sign && this.picked?.auth?.aws !== undefined;
        this.renameModel();
        this.holdBody = !msg.endOfStream && (this.signsBody || this.modelOverride !== undefined);
        if (this.holdBody && this.signsBody) {
          // The signature covers the body: strip client credentials now, sign when the body is in.
          return [await this.reply('requestHeaders', undefined, true)];
        }
        return [await this.reply('requestHeaders', msg.endOfStream ? Buffer.alloc(0) : undefined, false)];
      }
      case 'requestBody': {
        if (!this.holdBody) return [continueReply('requestBody')];
        this.body.push(msg.body ?? Buffer.alloc(0));
        if (!msg.endOfStream) return [continueReply('requestBody')];
        this.holdBody = false;
        const received = Buffer.concat(this.body);
        const renamed = this.modelOverride !== undefined ? withModel(received, this.modelOverride) : undefined;
        const body = renamed ?? received;
        const reply = this.signsBody ? await this.reply('requestBody', body, false) : continueReply('requestBody');
        return [renamed && reply.kind === 'continue' ? withBody(reply, renamed) : reply];
      }
      default:
        return [continueReply(msg.phase)];
    }
  }

  /**
   * Takes the picked backend's `modelNameOverride`: renamed in the body (held for it) for APIs
   * whose model is in the JSON body, in `:path` for those whose model is in the URL.
   */
  private renameModel(): void {
    this.modelOverride = undefined;
    this.upstreamPath = undefined;
    const override = this.picked?.modelNameOverride;
    if (!override) return;
    const path = this.headers[':path'] ?? '/';
    const match = detectApi(this.headers[':method'] ?? 'GET', path, { pathPrefix: this.generation.config.apis.pathPrefix });
    if (match?.api.modelSource === 'body') this.modelOverride = override;
    else if (match?.api.modelSource === 'url') this.upstreamPath = pathWithModel(path, match, override);
  }

  private async reply(phase: 'requestHeaders' | 'requestBody', body: Buffer | undefined, stripOnly: boolean): Promise<PhaseReply> {
    const creds = this.generation.credentials;
    const cfg = this.generation.config;
    const rule = this.headers[cfg.selectedRouteHeaderKey];
    const strip = keyRequired(cfg, rule);
    const method = this.headers[':method'] ?? 'GET';
    const path = this.upstreamPath ?? this.headers[':path'] ?? '/';
    try {
      const changes = creds ? await creds.changes({ method, path, headers: this.headers, body }, stripOnly ? undefined : this.picked?.name, strip || stripOnly) : { set: [], remove: [] };
      const set = withRenamedPath(changes.set, this.upstreamPath);
      if (set.length === 0 && changes.remove.length === 0) return continueReply(phase);
      return continueReply(phase, { headers: { set, remove: changes.remove } });
    } catch (err) {
      if (!(err instanceof CredentialUnavailableError)) throw err;
      this.logger.error({ err: { message: err.message }, cluster: this.cluster }, 'upstream credential unavailable');
      const shape = detectApi(method, path, { pathPrefix: cfg.apis.pathPrefix })?.api.errorShape ?? 'openai';
      return errorReply(shape, new UserFacingError(503, 'upstream_credential_unavailable', 'the gateway cannot authenticate to the provider right now'));
    }
  }
}

/** `reply` also replacing the body (and its content-length) with `body`. */
function withBody(reply: Extract<PhaseReply, { kind: 'continue' }>, body: Buffer): PhaseReply {
  const set = (reply.headers?.set ?? []).filter(([k]) => k !== 'content-length');
  return { ...reply, body, headers: { set: [...set, ['content-length', String(body.length)]], remove: (reply.headers?.remove ?? []).filter((h) => h !== 'content-length') } };
}
