/**
 * Availability rules, as pure functions: how many pods a voluntary disruption (a node drain, a
 * cluster upgrade) may take at once, and how pods are spread over zones and nodes.
 */
import type { k8s } from 'cdk8s-plus-27';
import type { Config, WebServiceConfig, WorkloadConfig } from '../../config/schema.js';

/** The fewest pods a Deployment runs: the HPA's minimum when it autoscales, else its replicas. */
export function minimumReplicas(workload: WorkloadConfig): number {
  return workload.autoscaling.enabled ? workload.autoscaling.minReplicas : workload.replicas;
}

/**
 * maxUnavailable of the PodDisruptionBudget of pods that number at least `replicas`, or undefined
 * when they get none. A single pod gets none: any budget that protects it blocks every drain of
 * its node (https://kubernetes.io/docs/tasks/run-application/configure-pdb/#think-about-how-your-application-reacts-to-disruptions).
 * Otherwise one pod at a time, so capacity never drops by more than one pod; a `quorum` (a MongoDB
 * replica set) may lose all but a majority, which still elects a primary.
 */
export function maxUnavailable(replicas: number, opts: { quorum?: boolean } = {}): number | undefined {
  if (replicas <= 1) return undefined;
  const allowed = opts.quorum ? Math.floor((replicas - 1) / 2) : 1;
  return allowed >= 1 ? allowed : undefined;
}

const TOPOLOGY_KEYS = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'] as const;

/**
 * Spread the pods of one Deployment (or StatefulSet) evenly over zones, then nodes. ScheduleAnyway
 * makes it a preference: a cluster with one zone, or too few nodes, still schedules every pod
 * (https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/).
 */
export function topologySpreadConstraints(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return TOPOLOGY_KEYS.map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
  }));
}

/** Whether a web service spreads its pods: its own `topologySpread`, else every tier but dev. */
export function spreadsAcrossTopology(service: Pick<WebServiceConfig, 'topologySpread'>, tier: Config['tier']): boolean {
  return service.topologySpread ?? tier !== 'dev';
}
