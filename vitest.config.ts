import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No test asserts a duration: these limits only stop a hung test or hook. They are far above
    // the idle durations because two cores shared with parallel runs make heavy files (fuzzing,
    // the chart build, a Prometheus server) many times slower.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Checks the tools once and builds helm-render once for all files (test/setup/global-setup.ts).
    globalSetup: ['test/setup/global-setup.ts'],
    // The run ends by listing skipped tests and why; with CI=true they fail it.
    reporters: ['default', './test/setup/skipped-tests-reporter.ts'],
    // Both cores (vitest's default leaves one to the main process): the suite is CPU-bound and its
    // child processes (tsx, kubectl, promtool) are short-lived. Measured idle: 77 s with one
    // worker, 60 s with two.
    maxWorkers: 2,
    // Test files share loaded modules (cdk8s, zod, validators) instead of reloading them per file:
    // collection dominated the run. Tests must therefore restore what they change (spies, env).
    isolate: false,
  },
});
