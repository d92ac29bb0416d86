import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { readableLogDestination, readableLogLine } from './readable-log.js';

describe('readableLogLine', () => {
  it('says level, message, the error message and the other fields', () => {
    expect(readableLogLine({ level: 40, time: 1, msg: 'router failed', err: { message: 'tenant service down' }, failureMode: 'closed', component: 'router' })).toBe(
      'warning: router failed: tenant service down (failureMode: closed, component: router)',
    );
    expect(readableLogLine({ level: 50, msg: 'boom', count: 2 })).toBe('error: boom (count: 2)');
  });
});

describe('readableLogDestination', () => {
  it('turns pino lines into readable ones and leaves what the caller takes', () => {
    const out: string[] = [];
    const taken: string[] = [];
    const logger = pino({ base: undefined }, readableLogDestination((t) => out.push(t), (e) => (e.msg === 'mine' ? (taken.push(e.msg), true) : false)));
    logger.warn({ err: new Error('disk full') }, 'ledger spill failed');
    logger.warn('mine');
    expect(out).toEqual(['warning: ledger spill failed: disk full\n']);
    expect(taken).toEqual(['mine']);
  });
});
