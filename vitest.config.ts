import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Snapshots of whole environments are long; keep their diffs readable.
    snapshotFormat: { printBasicPrototype: false },
  },
});
