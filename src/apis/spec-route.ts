/**
 * How specs tell the registry where to look for them, so detection is a map lookup or a few
 * `startsWith` checks instead of trying every API's matcher on every request.
 */
import type { ApiMatch, ApiSpec, BodyFacts, ErrorShape, ResponseParser } from './api.js';
import type { ParserOptions } from './response-readers.js';

/** An entry of the registry's index. */
export interface SpecRoute {
  /** Paths this route matches exactly (query stripped, prefix removed). */
  readonly exact?: readonly string[];
  /** Path prefixes under which {@link SpecRoute.match} is tried. */
  readonly prefixes?: readonly string[];
  /** Full match, authoritative: the index only narrows which routes are asked. */
  match(method: string, path: string, query: URLSearchParams): ApiMatch | undefined;
}

/** True for POST in any letter case. */
export function isPost(method: string): boolean {
  return method === 'POST' || method.toUpperCase() === 'POST';
}

/** `matchFamily` narrowed to one of its APIs: a match only where it answers the API with this `id`. */
export function matchOnly(id: string, matchFamily: ApiSpec['match']): ApiSpec['match'] {
  return (method, path, query) => {
    const m = matchFamily(method, path, query);
    return m?.api.id === id ? m : undefined;
  };
}

/** Definition of an API served at fixed POST paths with the model in the body. */
export interface FixedPathSpecDef {
  readonly id: string;
  readonly operation: string;
  readonly provider: string;
  readonly errorShape: ErrorShape;
  readonly modelSource: 'body' | 'multipart';
  readonly paths: readonly string[];
  parseRequestBody(body: Buffer, contentType: string | undefined, opts?: { partial?: boolean }): BodyFacts;
  newResponseParser(opts: ParserOptions): ResponseParser;
}

/** A spec matched by exact POST paths, with the route that indexes it. */
export interface FixedPathSpec extends ApiSpec {
  readonly route: SpecRoute;
}

/** Builds a {@link FixedPathSpec}. */
export function fixedPathSpec(def: FixedPathSpecDef): FixedPathSpec {
  const paths = new Set(def.paths);
  const spec: FixedPathSpec = {
    id: def.id,
    operation: def.operation,
    provider: def.provider,
    errorShape: def.errorShape,
    modelSource: def.modelSource,
    ...(def.modelSource === 'body' ? { modelField: 'model' } : {}),
    match: (method, path) => (isPost(method) && paths.has(path) ? { api: spec } : undefined),
    parseRequestBody: def.parseRequestBody,
    newResponseParser: def.newResponseParser,
    route: { exact: def.paths, match: (method, path, query) => spec.match(method, path, query) },
  };
  return spec;
}
