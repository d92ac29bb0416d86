/**
 * A loopback HTTP server that stands where Envoy and the provider would: it translates each
 * client request with a {@link PairTranslator}, answers with a recorded provider response for
 * the translated request, and writes that response to the client through the response
 * translator, chunk by chunk as it goes. Client SDKs are pointed at it (port 0).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { PairTranslator, TranslatedRequest } from '../../src/translation/contract.js';
import { closeServer, listenOnLoopback } from './listen.js';

/** A provider response to play: status, headers and the body in the chunks it arrives in. */
export interface PlayedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly chunks: readonly Buffer[];
}

/** A running server. */
export interface TranslatingServer {
  readonly url: string;
  /** Translated requests, in order. */
  readonly seen: TranslatedRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Starts a server translating with `translator` and playing `upstream(translated)`. */
export async function startTranslatingServer(translator: PairTranslator, upstream: (req: TranslatedRequest) => PlayedResponse): Promise<TranslatingServer> {
  const seen: TranslatedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const outcome = translator.translate({ path: req.url ?? '/', headers, body: await readBody(req) });
      if (!outcome.ok) {
        res.writeHead(outcome.status, outcome.headers);
        res.end(outcome.body);
        return;
      }
      seen.push(outcome.request);
      const played = upstream(outcome.request);
      const rt = outcome.request.responseTranslator(played.status, played.headers);
      const out: Record<string, string> = { ...played.headers };
      for (const name of rt.headers.remove) delete out[name];
      for (const [k, v] of rt.headers.set) out[k] = v;
      res.writeHead(played.status, out);
      played.chunks.forEach((c, i) => {
        const bytes = rt.push(c, i === played.chunks.length - 1);
        if (bytes.length > 0) res.write(bytes);
      });
      if (played.chunks.length === 0) res.write(rt.push(Buffer.alloc(0), true));
      res.end();
    })();
  });
  const url = await listenOnLoopback(server);
  return { url, seen, close: () => closeServer(server) };
}
