import { describe, expect, it } from 'vitest';
import { HOST_METADATA_ATTRIBUTE, attemptBackend, identityMetadata } from './attempt-backend.js';

describe('attemptBackend', () => {
  it('reads the rule and backend of the picked endpoint, in either JSON casing', () => {
    const md = identityMetadata('chat', 'azure');
    expect(attemptBackend({ [HOST_METADATA_ATTRIBUTE]: { filter_metadata: md } })).toEqual({ rule: 'chat', backend: 'azure' });
    expect(attemptBackend({ [HOST_METADATA_ATTRIBUTE]: { filterMetadata: md } })).toEqual({ rule: 'chat', backend: 'azure' });
  });

  it('answers undefined for anything else', () => {
    for (const attrs of [
      undefined,
      {},
      { [HOST_METADATA_ATTRIBUTE]: 'x' },
      { [HOST_METADATA_ATTRIBUTE]: { filter_metadata: { other: { rule: 'a', backend: 'b' } } } },
      { [HOST_METADATA_ATTRIBUTE]: { filter_metadata: { llm_extproc: { rule: 'a' } } } },
      { [HOST_METADATA_ATTRIBUTE]: { filter_metadata: { llm_extproc: { rule: '', backend: 'b' } } } },
    ]) {
      expect(attemptBackend(attrs)).toBeUndefined();
    }
  });
});
