import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Test files share loaded modules (cdk8s, zod, validators) instead of reloading them per file:
    // collection dominated the run. Tests must therefore restore what they change (spies, env).
    isolate: false,
    // Snapshots of whole environments are long; keep their diffs readable.
    snapshotFormat: { printBasicPrototype: false },
  },
});
