/**
 * `GET /v1/models` answered locally from configured models, in OpenAI's list shape, or in
 * Anthropic's when the client sends `anthropic-version` (Anthropic SDKs always do).
 */

/** A model to list. */
export interface ListedModel {
  readonly name: string;
  readonly ownedBy?: string;
  /** Creation time, Unix seconds. */
  readonly created?: number;
  readonly displayName?: string;
}

/** Shape of a models list. */
export type ModelListShape = 'openai' | 'anthropic';

/** Renders the models list body. */
export function renderModelList(shape: ModelListShape, models: ReadonlyArray<ListedModel>): string {
  if (shape === 'anthropic') {
    const data = models.map((m) => ({
      type: 'model',
      id: m.name,
      display_name: m.displayName ?? m.name,
      created_at: rfc3339(m.created ?? 0),
    }));
    return JSON.stringify({
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    });
  }
  return JSON.stringify({
    object: 'list',
    data: models.map((m) => ({ id: m.name, object: 'model', created: m.created ?? 0, owned_by: m.ownedBy ?? 'system' })),
  });
}

/** True for `GET /v1/models` (query ignored; the configured prefix already removed). */
export function isModelsListPath(method: string, path: string): boolean {
  if (method.toUpperCase() !== 'GET') return false;
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  return p === '/v1/models' || p === '/v1/models/';
}

/**
 * Which list shape to answer with. With one argument (the request headers), decides by the
 * `anthropic-version` header. With method, path and headers, also checks that the request is a
 * models list request and answers undefined when it is not.
 */
export function modelsListShape(headers: Readonly<Record<string, string>>): ModelListShape;
export function modelsListShape(method: string, path: string, headers: Readonly<Record<string, string>>): ModelListShape | undefined;
export function modelsListShape(
  a: string | Readonly<Record<string, string>>,
  path?: string,
  headers?: Readonly<Record<string, string>>,
): ModelListShape | undefined {
  if (typeof a === 'string') {
    if (path === undefined || headers === undefined || !isModelsListPath(a, path)) return undefined;
    return shapeByHeaders(headers);
  }
  return shapeByHeaders(a);
}

function shapeByHeaders(headers: Readonly<Record<string, string>>): ModelListShape {
  return headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

/** RFC 3339 UTC timestamp of Unix seconds, without fractional seconds (as Anthropic writes them). */
function rfc3339(seconds: number): string {
  const ms = Number.isFinite(seconds) ? seconds * 1000 : 0;
  const d = new Date(ms);
  return (Number.isNaN(d.getTime()) ? new Date(0) : d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
