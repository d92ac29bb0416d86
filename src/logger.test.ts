import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, setLogLevel } from './logger.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

describe('setLogLevel', () => {
  it('changes the level of the root logger and of child loggers made before, with or without options of their own', () => {
    const { logger, lines } = capture('info');
    const component = logger.child({ component: 'requests' }, { redact: [] });
    const stream = logger.child({ stream: 1 });
    const nested = stream.child({ module: 'router' });
    setLogLevel(logger, 'debug');
    for (const l of [logger, component, stream, nested]) l.debug('shown');
    expect(lines.filter((l) => l['msg'] === 'shown')).toHaveLength(4);

    setLogLevel(logger, 'warn');
    for (const l of [logger, component, stream, nested, logger.child({ later: true })]) l.info('hidden');
    expect(lines.some((l) => l['msg'] === 'hidden')).toBe(false);
    expect(component.level).toBe('warn');
  });

  it('logs the change at info when the old or the new level shows info, and nothing when the level stays', () => {
    const { logger, lines } = capture('warn');
    setLogLevel(logger, 'warn');
    expect(lines).toEqual([]);
    setLogLevel(logger, 'debug'); // raised: logged at the new level
    setLogLevel(logger, 'error'); // lowered: logged at the old level
    setLogLevel(logger, 'fatal'); // neither shows info
    expect(lines.filter((l) => l['msg'] === 'log level changed').map((l) => [l['level'], l['from'], l['to']])).toEqual([
      ['info', 'warn', 'debug'],
      ['info', 'debug', 'error'],
    ]);
  });
});
