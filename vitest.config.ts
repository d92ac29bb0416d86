import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    // Starts or installs the PostgreSQL the key-store tests need, when it is absent.
    globalSetup: ['test/global-setup.ts'],
    hookTimeout: 30_000,
    // The JSON report feeds the "N passed, N failed" summary line of .ci/run.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
