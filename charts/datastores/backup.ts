import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { backupTargets, type BackupStore, type BackupTarget } from '../../config/backup.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { names } from '../../config/names.js';
import type { ImageConfig } from '../../config/schema.js';
import { imageReference, pullSecrets } from '../workloads/image.js';
import { resourceRequirements } from '../workloads/resources.js';
import { containerSecurityContext, podSecurityContext } from '../workloads/security.js';
import { EnvironmentChart } from '../environment-chart.js';
import { LAST_WAVE } from '../argocd-annotations.js';
import {
  DOWNLOAD_SCRIPT,
  MONGODB_BACKUP_SCRIPT,
  MONGODB_RESTORE_SCRIPT,
  POSTGRES_BACKUP_SCRIPT,
  POSTGRES_RESTORE_SCRIPT,
  REDIS_BACKUP_SCRIPT,
  REDIS_RESTORE_SCRIPT,
  UPLOAD_SCRIPT,
} from './backup-scripts.js';

/** Where the backup claim is mounted in the backup, upload and restore containers. */
const BACKUP_MOUNT = '/backups';
const RCLONE_CONFIG_DIR = '/config/rclone';

const SCRIPTS: Readonly<Record<BackupStore, { backup: string; restore: string }>> = {
  mongodb: { backup: MONGODB_BACKUP_SCRIPT, restore: MONGODB_RESTORE_SCRIPT },
  postgres: { backup: POSTGRES_BACKUP_SCRIPT, restore: POSTGRES_RESTORE_SCRIPT },
  redis: { backup: REDIS_BACKUP_SCRIPT, restore: REDIS_RESTORE_SCRIPT },
};

/**
 * The backups of the datastores (backup.enabled; on by default except in the dev tier): per
 * datastore a PersistentVolumeClaim for the local copies, a CronJob whose pod dumps the datastore
 * and verifies the dump with the datastore's own image (it has the tools), then, with
 * backup.upload, copies it to object storage with rclone; and a one-off Job that mounts the claim
 * so it binds when the environment is synced.
 *
 * Why that Job: with a WaitForFirstConsumer storage class a claim stays Pending until a pod mounts
 * it, and Argo CD reports a Pending claim as Progressing; the first backup may be six hours away,
 * and until then the Application would not be Healthy and its PostSync hooks (the MongoDB
 * replica-set init) would not run. This file is the last sync wave, and its Jobs are Sync hooks of
 * that wave (charts/argocd-annotations.ts), so the claims are bound by the time the wave is done.
 */
export class BackupChart extends EnvironmentChart {
  static needed(env: EnvironmentContext): boolean {
    return backupTargets(env.config, env.namespace).length > 0;
  }

  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'backup', env, LAST_WAVE);
    for (const target of backupTargets(env.config, env.namespace)) this.datastore(target);
  }

  private datastore(target: BackupTarget): void {
    const { env } = this;
    const backup = env.config.backup;
    const labels = backupLabels(env, target);
    new k8s.KubePersistentVolumeClaim(this, `${target.store}-claim`, {
      metadata: { name: target.name, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: backup.storage.storageClass,
        resources: { requests: { storage: k8s.Quantity.fromString(backup.storage.size) } },
      },
    });
    new k8s.KubeCronJob(this, `${target.store}-cronjob`, {
      metadata: { name: target.name, labels },
      spec: {
        schedule: backup.schedule,
        timeZone: 'Etc/UTC',
        // A backup still running when the next is due: skip the next, never run two at once.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: backup.startingDeadlineSeconds,
        successfulJobsHistoryLimit: backup.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: backup.failedJobsHistoryLimit,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: backup.backoffLimit,
            activeDeadlineSeconds: backup.activeDeadlineSeconds,
            template: { metadata: { labels }, spec: backupPodSpec(env, target, 'backup') },
          },
        },
      },
    });
    const volumeLabels = { ...labels, 'app.kubernetes.io/component': 'backup-volume' };
    new k8s.KubeJob(this, `${target.store}-volume`, {
      metadata: { name: names.backupVolumeJob(target.store), labels: volumeLabels },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 600,
        template: { metadata: { labels: volumeLabels }, spec: backupPodSpec(env, target, 'volume') },
      },
    });
  }
}

/** The labels of a datastore's backup objects and pods (the restore's too: the same NetworkPolicy admits them). */
export function backupLabels(env: EnvironmentContext, target: BackupTarget): Record<string, string> {
  return recommendedLabels(env.labels, { name: target.name, component: 'backup', version: target.image.tag });
}

/**
 * The pod of a backup run (dump and verify, then upload), of a restore (download with
 * BACKUP_SOURCE=remote, then restore) or of the claim-binding Job: the datastore's identity under
 * Pod Security restricted, the backup claim at /backups, /tmp for scratch servers.
 */
export function backupPodSpec(env: EnvironmentContext, target: BackupTarget, mode: 'backup' | 'restore' | 'volume'): k8s.PodSpec {
  const backup = env.config.backup;
  const upload = backup.upload;
  const files = [
    { name: 'BACKUP_DIR', value: BACKUP_MOUNT },
    { name: 'BACKUP_PREFIX', value: target.prefix },
    { name: 'BACKUP_EXT', value: target.extension },
  ];
  const container = (name: string, image: ImageConfig, script: string, vars: k8s.EnvVar[], extraMounts: k8s.VolumeMount[] = []): k8s.Container => ({
    name,
    image: imageReference(image),
    imagePullPolicy: image.pullPolicy,
    command: ['sh', '-c', script, name],
    env: vars.length > 0 ? vars : undefined,
    resources: resourceRequirements(mode === 'volume' ? { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } } : backup.resources),
    securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
    volumeMounts: [{ name: 'backups', mountPath: BACKUP_MOUNT }, { name: 'tmp', mountPath: '/tmp' }, ...extraMounts],
  });
  const rclone = (name: string, script: string, vars: k8s.EnvVar[]) =>
    container(
      name,
      upload.image,
      script,
      [
        ...files,
        { name: 'REMOTE', value: `${upload.remote}/${target.store}` },
        ...vars,
        { name: 'RCLONE_CONFIG', value: `${RCLONE_CONFIG_DIR}/${upload.key}` },
        // rclone's cache and lock files.
        { name: 'XDG_CACHE_HOME', value: '/tmp' },
        { name: 'HOME', value: '/tmp' },
      ],
      [{ name: 'rclone-config', mountPath: RCLONE_CONFIG_DIR, readOnly: true }],
    );
  let init: k8s.Container[] = [];
  let main: k8s.Container[];
  if (mode === 'backup') {
    const dump = container('backup', target.image, SCRIPTS[target.store].backup, [...target.env, ...files, { name: 'RETENTION_DAYS', value: String(backup.retentionDays) }]);
    // The upload runs only after a verified dump: the dump is then an init container.
    if (upload.enabled) {
      init = [dump];
      main = [rclone('upload', UPLOAD_SCRIPT, [{ name: 'REMOTE_RETENTION_DAYS', value: String(upload.retentionDays) }])];
    } else main = [dump];
  } else if (mode === 'restore') {
    const choice = [
      // Edit before applying: a file name in /backups (or on the remote) instead of the newest.
      { name: 'BACKUP_FILE', value: 'latest' },
      ...(upload.enabled ? [{ name: 'BACKUP_SOURCE', value: 'local' }] : []),
    ];
    if (upload.enabled) init = [rclone('download', DOWNLOAD_SCRIPT, choice)];
    main = [container('restore', target.image, SCRIPTS[target.store].restore, [...target.restoreEnv, ...files, ...choice])];
  } else {
    main = [container('volume', target.image, `ls -l ${BACKUP_MOUNT}`, [])];
  }
  const rcloneUsed = upload.enabled && mode !== 'volume';
  return {
    restartPolicy: 'Never',
    serviceAccountName: target.serviceAccount,
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(target.identity),
    imagePullSecrets: pullSecrets(env.config.imagePullSecrets, []),
    initContainers: init.length > 0 ? init : undefined,
    containers: main,
    volumes: [
      { name: 'backups', persistentVolumeClaim: { claimName: target.name } },
      { name: 'tmp', emptyDir: {} },
      ...(rcloneUsed ? [{ name: 'rclone-config', secret: { secretName: upload.existingSecret, defaultMode: 0o400 } }] : []),
    ],
  };
}
