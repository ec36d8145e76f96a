import type { Construct } from 'constructs';
import type { WorkerConfig } from '../../config/schema.js';
import type { EnvironmentContext } from '../../config/context.js';
import { EnvironmentChart } from '../environment-chart.js';
import { containerProbes } from './probes.js';
import { Workload } from './workload.js';

/** A background worker: a Workload with no Service and no Ingress (a StatefulSet worker gets only its headless Service). */
export class WorkerChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext, props: { name: string; worker: WorkerConfig }) {
    super(scope, props.name, env, 30);
    new Workload(this, 'workload', {
      name: props.name,
      workload: props.worker,
      env,
      probes: containerProbes(props.worker.probes),
    }).addDeployment(props.worker);
  }
}
