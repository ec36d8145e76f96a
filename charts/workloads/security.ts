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

/**
 * For a node agent that must read root-owned host files (the kubelet's pod logs are root:root,
 * 0640): it runs as root, which "restricted" forbids, but is otherwise locked down: no
 * capabilities (reading as the files' owner needs none), no privilege escalation, read-only root
 * filesystem, RuntimeDefault seccomp. Its namespace must admit it (Pod Security "privileged").
 */
export function hostReaderSecurityContexts(): { pod: k8s.PodSecurityContext; container: k8s.SecurityContext } {
  return {
    pod: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } },
    container: { ...containerSecurityContext({ readOnlyRootFilesystem: true }), runAsNonRoot: false },
  };
}
