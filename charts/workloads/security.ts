/**
 * Security contexts that meet the Pod Security Standards "restricted" profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
 * non-root numeric user, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp.
 */
import type { k8s } from 'cdk8s-plus-27';
import type { SecurityExceptionsConfig } from '../../config/schema.js';

export interface Identity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
}

/** `exceptions.runAsRoot` (declared in config, with a reason) makes the pod run as UID/GID 0. */
export function podSecurityContext(id: Identity, exceptions: SecurityExceptionsConfig = {}): k8s.PodSecurityContext {
  const root = exceptions.runAsRoot !== undefined;
  return {
    runAsNonRoot: !root,
    runAsUser: root ? 0 : id.runAsUser,
    runAsGroup: root ? 0 : id.runAsGroup,
    fsGroup: id.fsGroup,
    // Only chown volumes whose root is not already owned by fsGroup: large PVCs mount fast.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Restricted unless the workload declares an exception in config (`securityExceptions`, each with
 * a reason): then exactly that is relaxed. A privileged container must allow privilege escalation
 * (the API server refuses privileged with allowPrivilegeEscalation: false).
 */
export function containerSecurityContext(opts: { readOnlyRootFilesystem: boolean; exceptions?: SecurityExceptionsConfig }): k8s.SecurityContext {
  const exceptions = opts.exceptions ?? {};
  const privileged = exceptions.privileged !== undefined;
  return {
    allowPrivilegeEscalation: privileged || exceptions.privilegeEscalation !== undefined,
    privileged,
    readOnlyRootFilesystem: opts.readOnlyRootFilesystem,
    runAsNonRoot: exceptions.runAsRoot === undefined,
    capabilities: { drop: ['ALL'], ...(exceptions.capabilities ? { add: [...exceptions.capabilities.add] } : {}) },
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
