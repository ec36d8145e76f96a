import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { maxUnavailable } from './availability.js';

export interface DisruptionBudgetProps {
  /** Name of the budget: the name of the Deployment or StatefulSet it protects. */
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The workload's own selector, so the budget counts exactly its pods and no other budget's. */
  readonly selector: Record<string, string>;
  /** The fewest pods the workload runs. */
  readonly replicas: number;
  readonly quorum?: boolean;
}

/** A PodDisruptionBudget (policy/v1) for a workload that runs more than one pod; nothing otherwise. */
export function disruptionBudget(scope: Construct, id: string, props: DisruptionBudgetProps): void {
  const allowed = maxUnavailable(props.replicas, { quorum: props.quorum });
  if (allowed === undefined) return;
  new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(allowed),
      selector: { matchLabels: props.selector },
      // A pod that is not ready serves nothing: evicting it must not wait for the budget, or one
      // crash-looping pod would block every drain of its node
      // (https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy).
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
