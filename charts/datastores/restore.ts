import { k8s } from 'cdk8s-plus-27';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { backupTargets, type BackupTarget } from '../../config/backup.js';
import type { EnvironmentContext } from '../../config/context.js';
import { names } from '../../config/names.js';
import { backupLabels, backupPodSpec } from './backup.js';

/** Where the restore Jobs are written: dist/<env>/restore/, outside kustomization.yaml. */
const RESTORE_DIR = 'restore';

/**
 * The restore of one datastore: a Job in dist/<env>/restore/<datastore>.yaml that nothing applies
 * (not in kustomization.yaml, not synced by Argo CD): `kubectl apply -f` it to restore the newest
 * verified backup on the backup claim, or the one its BACKUP_FILE names; with backup.upload,
 * BACKUP_SOURCE=remote first fetches it from object storage (docs/datastores.md#restoring).
 */
export class RestoreChart extends Chart {
  readonly fileName: string;

  constructor(scope: Construct, env: EnvironmentContext, target: BackupTarget) {
    super(scope, `restore-${target.store}`, { namespace: env.namespace, disableResourceNameHashes: true });
    this.fileName = `${RESTORE_DIR}/${target.store}.yaml`;
    const labels = { ...backupLabels(env, target), 'app.kubernetes.io/component': 'restore' };
    new k8s.KubeJob(this, 'job', {
      metadata: { name: names.restoreJob(target.store), labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: env.config.backup.activeDeadlineSeconds,
        template: { metadata: { labels }, spec: backupPodSpec(env, target, 'restore') },
      },
    });
  }
}

export function buildRestoreCharts(scope: Construct, env: EnvironmentContext): RestoreChart[] {
  return backupTargets(env.config, env.namespace).map((target) => new RestoreChart(scope, env, target));
}
