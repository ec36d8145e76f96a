/**
 * Ends the run by listing the tests that did not run (skip, todo, or ctx.skip(reason)) and why;
 * with CI=true any of them fails the run: a check that did not run is not a passed check.
 * Tests left out by a name filter (-t) are not skipped, just not selected. Its last line,
 * "tests: N passed, N failed, N skipped", is a plain count that log readers understand.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

function reason(mode: string, note: string | undefined): string {
  if (note) return note;
  if (mode === 'todo') return 'todo: not written yet';
  if (mode === 'skip') return 'marked skip in the source, without a reason';
  return 'skipped because another test is marked only';
}

export default class SkippedTestsReporter implements Reporter {
  private namePattern: RegExp | undefined;

  onInit(vitest: Vitest): void {
    this.namePattern = vitest.config.testNamePattern;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') counts.passed++;
        else if (result.state === 'failed') counts.failed++;
        else if (result.state === 'skipped') {
          if (this.namePattern && !this.namePattern.test(test.fullName)) continue;
          counts.skipped++;
          skipped.push(`  ${module.relativeModuleId} > ${test.fullName}: ${reason(test.options.mode, result.note)}`);
        }
      }
    }
    const ci = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase());
    if (skipped.length > 0) {
      console.log(`\n${skipped.length} test${skipped.length === 1 ? '' : 's'} did not run:\n${skipped.join('\n')}`);
      if (ci) {
        console.log('CI=true: skipped and todo tests fail the run; make them run (or delete them).');
        process.exitCode = 1;
      }
    }
    console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
