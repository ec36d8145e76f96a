/**
 * The canary analysis as an Argo Rollouts AnalysisTemplate
 * (https://argo-rollouts.readthedocs.io/en/stable/features/analysis/): the queries of
 * canary-analysis.ts `canaryQueries` and the thresholds of `services.<name>.canary.analysis`, so the
 * Rollout controller and `npm run canary -- analyze` judge a canary alike:
 *
 *   analyze (decide)                          AnalysisRun
 *   rollback: a trigger fires            ->   Failed: a trigger metric returned a sample
 *   hold: too few requests, no data      ->   Inconclusive: a data metric's success is false
 *   promote                              ->   Successful
 *
 * A run is Failed when any metric failed, else Inconclusive when any was, else Successful, which
 * is decide()'s order. Each rollback trigger is a PromQL filter on the shared queries (the same
 * expressions as the canary alert rules); its metric fails when the filter returns a sample. The
 * conditions use len(), any() and the isNaN/isInf helpers Argo Rollouts provides, never result[0],
 * which Argo Rollouts refuses to evaluate on an empty result.
 */
import { canaryQueries, type CanaryAnalysis } from './canary-analysis.js';

export interface AnalysisMetric {
  readonly name: string;
  readonly query: string;
  readonly successCondition: string;
  readonly failureCondition: string;
}

/**
 * A measurement that yields a finite number. queryScalar keeps a p95 of +Inf (it is above every
 * threshold: decide() rolls back), and so does the template: canary-p95-latency's `> limit` returns
 * the +Inf sample and fails the run, which outranks canary-latency-data's inconclusive.
 */
const FINITE = '!isNaN(#) && !isInf(#)';

/** The metrics of one service's analysis: the rollback triggers, then what decides between hold and promote. */
export function analysisMetrics(service: string, namespace: string, a: CanaryAnalysis): AnalysisMetric[] {
  const q = canaryQueries(service, namespace, a);
  const trigger = (name: string, query: string): AnalysisMetric => ({ name, query, successCondition: 'len(result) == 0', failureCondition: 'len(result) > 0' });
  const data = (name: string, query: string, condition: string): AnalysisMetric => ({
    name,
    query,
    successCondition: `any(result, {${condition}})`,
    // Never a failure: missing data holds the rollout (Inconclusive), as the CLI holds.
    failureCondition: 'false',
  });
  return [
    trigger('canary-error-rate', `(${q.canaryErrorRate}) > ${a.maxErrorRate}`),
    trigger('canary-p95-latency', `(${q.canaryP95}) > ${a.maxP95LatencySeconds}`),
    trigger('error-rate-above-stable', `(${q.canaryErrorRate}) - (${q.stableErrorRate}) > ${a.maxErrorRateIncrease}`),
    // Relative to stable only where stable has a latency (decide() skips the check otherwise).
    trigger('latency-above-stable', `(${q.canaryP95}) > ${a.maxLatencyRatio} * (${q.stableP95}) and (${q.stableP95}) > 0`),
    data('canary-requests', q.canaryRequests, `${FINITE} && # >= ${a.minRequests}`),
    data('canary-error-rate-data', q.canaryErrorRate, FINITE),
    data('canary-latency-data', q.canaryP95, FINITE),
  ];
}

/**
 * The AnalysisTemplate's spec: each metric measured once against `prometheus`, after
 * `initialDelay` when given (the post-promotion analysis of a blue-green Rollout waits until the
 * new version has served all traffic for the bake time, so that the window judges it).
 */
export function analysisTemplateSpec(service: string, namespace: string, a: CanaryAnalysis, prometheus: string, initialDelay?: string): Record<string, unknown> {
  return {
    metrics: analysisMetrics(service, namespace, a).map((m) => ({
      name: m.name,
      ...(initialDelay ? { initialDelay } : {}),
      successCondition: m.successCondition,
      failureCondition: m.failureCondition,
      provider: { prometheus: { address: prometheus, query: m.query } },
    })),
  };
}
