import type { Manifest } from './manifest.js';

export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * The kustomization.yaml of an environment directory: its files, in order, so that
 * `kubectl apply -k dist/<env>` and `kubectl kustomize dist/<env>` work. It lists resources only
 * (no transformers): what kustomize prints is exactly what the files hold.
 */
export function kustomization(fileNames: readonly string[]): Manifest {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...fileNames],
  };
}
