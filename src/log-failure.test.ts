import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ConfigError } from './config/load.js';
import { failureLine, logFailure } from './log-failure.js';
import { ListenError } from './server/listen-error.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug', base: undefined }, { write: (t: string) => void lines.push(JSON.parse(t) as Record<string, unknown>) });
  return { logger, lines };
}

/** How many times `needle` occurs in `text`. */
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('logFailure', () => {
  it('says the message of one of our errors once, with no stack', () => {
    const { logger, lines } = capture();
    const err = new ListenError('admin', '0.0.0.0:9464', 'EADDRINUSE', 'the address is already in use');
    logFailure(logger, 'fatal', 'startup failed', err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, errorType: 'ListenError', msg: `startup failed: ${err.message}` });
    expect(count(JSON.stringify(lines[0]), 'already in use')).toBe(1);
  });

  it('keeps the stack frames of an unexpected error, without repeating its message', () => {
    const { logger, lines } = capture();
    logFailure(logger, 'error', 'config reload failed; keeping the current config', new TypeError('cannot read x of undefined'), { source: 'c.yaml' });
    const line = lines[0]!;
    expect(line).toMatchObject({ errorType: 'TypeError', source: 'c.yaml', msg: 'config reload failed; keeping the current config: cannot read x of undefined' });
    expect(String(line['stack'])).toMatch(/^at /);
    expect(count(JSON.stringify(line), 'cannot read x of undefined')).toBe(1);
  });

  it('gives a config error its problems once', () => {
    const err = new ConfigError('c.yaml', [{ path: 'rulez', line: 1, message: 'unknown key' }]);
    const { fields, msg } = failureLine('config reload failed', err);
    expect(fields).toEqual({ errorType: 'ConfigError' });
    expect(msg).toBe('config reload failed: invalid config c.yaml:\n  rulez (line 1): unknown key');
  });
});
