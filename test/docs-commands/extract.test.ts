import { describe, expect, it } from 'vitest';
import { commandsOf, impliedNeeds, programOf } from './extract.js';

describe('commandsOf', () => {
  it('takes shell blocks line by line, joins continuations, reads needs and exit codes from the comment', () => {
    const md = [
      '```sh',
      'npm ci && npm start          # serve',
      '# a comment line',
      'curl localhost:8080/v1/chat/completions \\',
      "  -d '{}'   # needs Envoy",
      'npx llm-extproc route --model x --json   # the 404 (exits 1)',
      '```',
      '```yaml',
      'rules: []',
      '```',
    ].join('\n');
    expect(commandsOf('x.md', md)).toEqual([
      { where: 'x.md:2', text: 'npm ci && npm start          # serve', needs: undefined, exitCodes: [0] },
      { where: 'x.md:4', text: "curl localhost:8080/v1/chat/completions -d '{}'   # needs Envoy", needs: 'Envoy', exitCodes: [0] },
      { where: 'x.md:6', text: 'npx llm-extproc route --model x --json   # the 404 (exits 1)', needs: undefined, exitCodes: [1] },
    ]);
  });

  it('takes transcript lines of plain blocks with the output shown after them', () => {
    const md = ['```', '$ llm-extproc check --config a.yaml', 'a.yaml: valid (3 rules)', '', '$ llm-extproc route --model m', 'x', '```'].join('\n');
    expect(commandsOf('t.md', md)).toEqual([
      { where: 't.md:2', text: 'llm-extproc check --config a.yaml', needs: undefined, exitCodes: [0], output: 'a.yaml: valid (3 rules)' },
      { where: 't.md:5', text: 'llm-extproc route --model m', needs: undefined, exitCodes: [0], output: 'x' },
    ]);
  });
});

describe('impliedNeeds', () => {
  it('knows what Envoy, Docker and kubectl commands need', () => {
    expect(impliedNeeds('envoy -c envoy.yaml')).toBe('Envoy');
    expect(impliedNeeds('LLM_EXTPROC_ADMIN_TOKEN=$(cat t) docker compose -f x.yaml up')).toBe('Docker');
    expect(impliedNeeds('kubectl apply -k deploy/kubernetes/overlays/sidecar')).toBe('Kubernetes');
    expect(impliedNeeds('curl -s localhost:8080/v1/models')).toBe('Envoy');
    expect(impliedNeeds('curl -s localhost:9464/readyz')).toBeUndefined();
    expect(programOf('A=1 B=$(cat x) docker ps')).toBe('docker');
  });
});
