/**
 * Read-only debug endpoints on the admin port (off unless `admin.debug: true`): the active config
 * generation (secrets redacted, with the addresses the listeners actually bound), rules and models, loaded modules, streams in flight, and the
 * last routing decisions. No bodies, no credentials.
 */
import type { Generation } from '../processor/generation.js';
import { redactConfig } from '../config/redact.js';
import { sendAdminError, sendJson, type AdminHandler } from '../admin/respond.js';
import { adminError } from '../error-catalogue.js';
import type { TimedDecision } from './decision-ring.js';

/** What the debug endpoints read. */
export interface DebugSources {
  enabled(): boolean;
  generation(): Generation | undefined;
  inFlight(): number;
  decisions(): TimedDecision[];
  /** The addresses actually bound, after flags and environment (undefined before start). */
  listening?(): { readonly grpc: string; readonly admin: string } | undefined;
}

/** The `/debug/*` routes. */
export function debugRoutes(src: DebugSources): ReadonlyMap<string, AdminHandler> {
  const guard =
    (handler: AdminHandler): AdminHandler =>
    (req, res, url) =>
      src.enabled() ? handler(req, res, url) : sendAdminError(res, adminError('debug_disabled'));
  return new Map<string, AdminHandler>([
    [
      '/debug/config',
      guard((_req, res) => {
        const gen = src.generation();
        const listening = src.listening?.();
        sendJson(
          res,
          200,
          gen
            ? {
                generation: { ...gen.info, loadedAt: new Date(gen.info.loadedAt).toISOString() },
                // Where the service listens: flags and environment win over grpc.address / admin.address.
                ...(listening ? { listening } : {}),
                config: redactConfig(gen.config),
              }
            : {},
        );
      }),
    ],
    [
      '/debug/rules',
      guard((_req, res) => {
        const cfg = src.generation()?.config;
        sendJson(res, 200, {
          rules: (cfg?.rules ?? []).map((r) => ({ name: r.name, headers: r.headers, backends: r.backends.map((b) => b.name) })),
          models: cfg?.models ?? [],
        });
      }),
    ],
    [
      '/debug/status',
      guard((_req, res) => {
        const gen = src.generation();
        sendJson(res, 200, {
          generation: gen?.info.id,
          modules: gen?.info.modules ?? {},
          // package name + version, or file path + mtime, of each loaded module
          moduleDetails: gen?.info.moduleDetails,
          inFlightStreams: src.inFlight(),
        });
      }),
    ],
    ['/debug/decisions', guard((_req, res) => sendJson(res, 200, { decisions: src.decisions() }))],
  ]);
}
