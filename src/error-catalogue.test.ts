/**
 * The error catalogue: docs/errors.md lists exactly its codes with their status and type, the
 * types are the ones OpenAI-shaped replies carry, and no code is built by hand outside it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openAiType } from './apis/error-body.js';
import { ADMIN_ERRORS, CLIENT_ERRORS, adminError, clientError } from './error-catalogue.js';
import { UserFacingError } from './errors.js';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const DOC = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the table under heading `title`: cells without backticks. */
function tableRows(title: string): string[][] {
  const section = new RegExp(`^## ${title}\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(DOC)?.[1] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\| `[a-z_]+` \|/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [join(dir, d.name)] : [],
  );
}

/**
 * Files still building client errors by hand while they are being rewritten; each must use
 * catalogued codes with their catalogued status until it is converted to `clientError`.
 */
const PENDING_CONVERSION = new Set<string>();

describe('docs/errors.md', () => {
  it('lists every request-path code with its status and type, and no other', () => {
    const rows = tableRows('Errors a request gets');
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(CLIENT_ERRORS).sort());
    for (const [code, status, type] of rows) {
      const e = CLIENT_ERRORS[code as keyof typeof CLIENT_ERRORS];
      expect([code, Number(status), type]).toEqual([code, e.status, e.type]);
    }
  });

  it('lists every admin-port code with its status, and no other', () => {
    const rows = tableRows('Errors of the admin port');
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(ADMIN_ERRORS).sort());
    for (const [code, status] of rows) expect([code, Number(status)]).toEqual([code, ADMIN_ERRORS[code as keyof typeof ADMIN_ERRORS].status]);
  });
});

describe('the catalogue', () => {
  it('gives each code the type an OpenAI-shaped reply carries for its status', () => {
    for (const [code, e] of Object.entries({ ...CLIENT_ERRORS, ...ADMIN_ERRORS })) expect([code, e.type]).toEqual([code, openAiType(e.status)]);
  });

  it('builds user-facing errors with status, code, message and param', () => {
    const e = clientError('value_too_large', { field: 'max_tokens', max: 4096 });
    expect(e).toBeInstanceOf(UserFacingError);
    expect({ status: e.status, code: e.code, message: e.message, param: e.param }).toEqual({
      status: 400,
      code: 'value_too_large',
      message: 'max_tokens must be at most 4096',
      param: 'max_tokens',
    });
    expect(clientError('missing_api_key').param).toBeUndefined();
    expect(clientError('invalid_multipart', { problem: 'no_boundary' }).param).toBeUndefined();
    expect(clientError('model_not_allowed', { model: undefined }).message).toMatch(/not known/);
  });

  it('builds admin errors in the one admin shape', () => {
    expect(adminError('body_too_large', { maxBytes: 65536 })).toEqual({
      status: 413,
      body: { error: { code: 'body_too_large', message: 'request bodies are limited to 65536 bytes' } },
    });
  });
});

describe('call sites', () => {
  const files = sourceFiles(SRC).map((f) => ({ file: relative(SRC, f).split('\\').join('/'), text: readFileSync(f, 'utf8') }));

  it('build client errors only through the catalogue (files being rewritten aside)', () => {
    // A literal status and code is a hand-built catalogue error; wrapping a user hook's own error
    // answer (status and code from the hook) is not.
    const byHand = files.filter((f) => f.file !== 'error-catalogue.ts' && !PENDING_CONVERSION.has(f.file) && /new UserFacingError\(\s*\d{3}\s*,\s*'/.test(f.text));
    expect(byHand.map((f) => f.file)).toEqual([]);
  });

  it('use only catalogued codes with their status where errors are still built by hand', () => {
    for (const f of files.filter((x) => PENDING_CONVERSION.has(x.file))) {
      for (const m of f.text.matchAll(/new UserFacingError\(\s*(\d+),\s*'([a-z_]+)'/g)) {
        const code = m[2] as keyof typeof CLIENT_ERRORS;
        expect([f.file, code, CLIENT_ERRORS[code]?.status], `${f.file}: ${code}`).toEqual([f.file, code, Number(m[1])]);
      }
    }
  });

  it('answer admin-port errors only in the catalogue shape', () => {
    const adHoc = files.filter((f) => /sendJson\([^;]*\{\s*error:/.test(f.text));
    expect(adHoc.map((f) => f.file)).toEqual([]);
  });
});
