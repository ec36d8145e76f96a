/**
 * Security contexts that meet the Pod Security Standards "restricted" profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
 * non-root numeric user, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp.
 */
import type { k8s } from 'cdk8s-plus-27';

export interface Identity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
}

export function podSecurityContext(id: Identity): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: id.runAsUser,
    runAsGroup: id.runAsGroup,
    fsGroup: id.fsGroup,
    // Only chown volumes whose root is not already owned by fsGroup: large PVCs mount fast.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(opts: { readOnlyRootFilesystem: boolean }): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: opts.readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
