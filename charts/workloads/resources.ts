import { k8s } from 'cdk8s-plus-27';
import type { ResourcesConfig } from '../../config/schema.js';

/** Config resources -> Kubernetes ResourceRequirements. */
export function resourceRequirements(resources: ResourcesConfig): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.requests.cpu),
      memory: k8s.Quantity.fromString(resources.requests.memory),
    },
    limits: {
      cpu: k8s.Quantity.fromString(resources.limits.cpu),
      memory: k8s.Quantity.fromString(resources.limits.memory),
    },
  };
}
