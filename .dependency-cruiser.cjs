/**
 * Dependency rules of src/, checked by test/dependency-rules.test.ts inside `npm test`
 * (folder-level cycles are computed there from the same cruise). See docs/architecture.md
 * "Layers".
 */
/** Feature folders: each owns hooks; the request processor must know none of them. */
const FEATURES = ['access', 'admin', 'cache', 'cli', 'credentials', 'dashboard', 'ledger', 'policy', 'prompt-caching', 'rate-limits', 'resilience', 'server', 'storage', 'translation'];

module.exports = {
  forbidden: [
    {
      name: 'processor-knows-no-feature',
      comment: 'The processor knows the hook contract, the API specs, routing and metrics; features plug in as hooks.',
      severity: 'error',
      from: { path: '^src/processor/', pathNot: '\\.test\\.ts$' },
      to: { path: `^src/(${FEATURES.join('|')})/` },
    },
    {
      name: 'only-envoy-knows-the-wire',
      comment: 'Proto shapes (src/gen) are read and written by src/envoy only.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/envoy/', '^src/gen/', '\\.test\\.ts$'] },
      to: { path: '^src/gen/' },
    },
    {
      name: 'hooks-contract-stays-small',
      comment: 'The hook contract depends on nothing but config, API types, errors (and their catalogue) and modules.',
      severity: 'error',
      from: { path: '^src/hooks/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/(hooks|config|apis|modules)/', '^src/errors\\.ts$', '^src/error-catalogue\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.ts$', '\\.corpus\\.ts$', '^src/gen/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
