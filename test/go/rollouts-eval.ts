/**
 * Evaluates AnalysisTemplate metric conditions as the Argo Rollouts controller does: the expr
 * language and Argo Rollouts' evaluation rules, by the test-only Go tool test/go/rollouts-eval
 * built from Debian's packages (golang-go, golang-github-antonmedv-expr-dev).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./build.sh', import.meta.url));
let binary: string | undefined;

export type AnalysisPhase = 'Successful' | 'Failed' | 'Inconclusive' | `Error: ${string}`;

export interface Measurement {
  /** The sample values of the query's result vector, as Prometheus writes them ("0.12", "NaN"). */
  readonly result: readonly string[];
  readonly successCondition: string;
  readonly failureCondition: string;
}

/** The phase of each measurement. */
export function evaluateMeasurements(measurements: readonly Measurement[]): AnalysisPhase[] {
  binary ??= execFileSync('bash', [buildScript, 'rollouts-eval'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  return JSON.parse(execFileSync(binary, { input: JSON.stringify(measurements), encoding: 'utf8' })) as AnalysisPhase[];
}

/** An AnalysisRun's phase from its metrics' phases: any failure (or error) fails it, else any inconclusive, else it succeeded. */
export function runPhase(phases: readonly AnalysisPhase[]): 'Successful' | 'Failed' | 'Inconclusive' {
  if (phases.some((p) => p === 'Failed' || p.startsWith('Error'))) return 'Failed';
  if (phases.includes('Inconclusive')) return 'Inconclusive';
  return 'Successful';
}
