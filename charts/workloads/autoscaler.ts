import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { WorkloadConfig } from '../../config/schema.js';

/** Argo Rollouts' API version (Rollout, AnalysisTemplate). */
export const ROLLOUT_API_VERSION = 'argoproj.io/v1alpha1';

export interface AutoscalerProps {
  /** Name of the HPA and of the Deployment (or StatefulSet) it scales. */
  readonly name: string;
  /** Kind of the controller it scales. */
  readonly kind?: 'Deployment' | 'StatefulSet' | 'Rollout';
  readonly labels: Record<string, string>;
  readonly autoscaling: WorkloadConfig['autoscaling'];
}

/** A HorizontalPodAutoscaler (autoscaling/v2) on CPU and memory utilization of a Deployment (or StatefulSet, or Rollout). */
export class Autoscaler extends Construct {
  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    const a = props.autoscaling;
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        scaleTargetRef: { apiVersion: props.kind === 'Rollout' ? ROLLOUT_API_VERSION : 'apps/v1', kind: props.kind ?? 'Deployment', name: props.name },
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        metrics: [utilization('cpu', a.targetCPUUtilizationPercentage), utilization('memory', a.targetMemoryUtilizationPercentage)],
        behavior: {
          // Scale down only after the load has stayed low for this long, to avoid flapping.
          scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds },
        },
      },
    });
  }
}

function utilization(resource: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization } } };
}
