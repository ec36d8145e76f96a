/**
 * How Argo CD orders and treats the objects of an environment, decided in one place from an
 * object's kind and the number of the file it is written to (00-namespace, 20-<datastore>,
 * 30-<workload>, 40-ingress).
 *
 * Sync waves (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/): Argo CD applies
 * one wave at a time, lowest first, and starts the next only once every object of the current
 * wave is healthy. An object's wave is its file number, so `kubectl apply -f dist/<env>/` and
 * Argo CD agree on the order (namespace, datastores, web services and workers, Ingress), except:
 *
 * - Namespaces go to wave 0 whatever file they are in: everything else is created in them.
 * - ServiceAccounts and ConfigMaps go to wave 10: every pod references them, so they exist before
 *   any workload of any file starts.
 * - PersistentVolumeClaims stay in the wave of the workload that mounts them: with a
 *   WaitForFirstConsumer storage class a claim stays Pending, which Argo CD reports as
 *   Progressing, until a pod uses it, so an earlier wave would never finish
 *   (https://github.com/argoproj/argo-cd/issues/12840).
 */
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
export const HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** Kinds synced before the other objects of their file, whatever file they are in. */
const EARLY_WAVES: ReadonlyMap<string, number> = new Map([
  ['Namespace', 0],
  ['ServiceAccount', 10],
  ['ConfigMap', 10],
]);

/**
 * The file number of the last sync wave (the backups, charts/datastores/backup.ts): a Job there is
 * a Sync hook of that wave instead of a PostSync hook, so it runs with the wave (e.g. to bind a
 * claim of that wave, which would otherwise keep the wave, and the PostSync hooks, waiting).
 */
export const LAST_WAVE = 90;

export function syncWave(kind: string, fileOrder: number): number {
  return EARLY_WAVES.get(kind) ?? fileOrder;
}

/** Every Argo CD annotation an object of `kind` in file number `fileOrder` carries. */
export function argoCdAnnotations(kind: string, fileOrder: number): Record<string, string> {
  return {
    [SYNC_WAVE_ANNOTATION]: String(syncWave(kind, fileOrder)),
    // A Job is a one-off task whose pod template is immutable: as a regular resource, any change
    // to it would fail the sync. As a hook (https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/)
    // it runs after every successful sync once all resources are healthy (PostSync), is deleted
    // when it succeeds, and a failed one is kept for its logs until the next sync replaces it
    // (BeforeHookCreation; without it, the next sync would find the old Job in its way).
    ...(kind === 'Job' ? { [HOOK_ANNOTATION]: fileOrder === LAST_WAVE ? 'Sync' : 'PostSync', [HOOK_DELETE_POLICY_ANNOTATION]: 'HookSucceeded,BeforeHookCreation' } : {}),
    // Deleting the Application (or removing the environment) must not delete the namespace:
    // it holds the Secrets created by hand and the StatefulSets' data volumes.
    // https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#no-resource-deletion
    ...(kind === 'Namespace' ? { [SYNC_OPTIONS_ANNOTATION]: 'Delete=false' } : {}),
  };
}

/** Adds the Argo CD annotations to every object under `scope` (a chart written to file number `fileOrder`). */
export function annotateForArgoCd(scope: IConstruct, fileOrder: number): void {
  for (const construct of scope.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) continue;
    for (const [key, value] of Object.entries(argoCdAnnotations(construct.kind, fileOrder))) {
      construct.metadata.addAnnotation(key, value);
    }
  }
}
