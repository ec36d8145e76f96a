/**
 * Pod Security Standards, "restricted" profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted), plus a
 * read-only root filesystem and the host-access checks of the "baseline" profile. A container's
 * own securityContext wins over the pod's for the fields both have.
 *
 * A workload may declare an exception in its config (`securityExceptions`, each with a reason);
 * the charts record it as a pod-template annotation (config/pod-security.ts). The rule that the
 * exception relaxes then does not report that pod; the `security-exception` rule lists every
 * declared exception with its reason instead, so none goes unseen.
 */
import { SECURITY_EXCEPTION_ANNOTATION_PREFIX, securityExceptionAnnotation } from '../../config/pod-security.js';
import type { SecurityException } from '../../config/schema.js';
import type { Container, PodTemplate } from '../../core/objects.js';
import type { Rule } from '../types.js';
import { containerFindings, field, templatesInScope } from './helpers.js';

const restricted = { exemptPrivilegedNamespaces: true } as const;

/** Whether the pod declares one of these exceptions (a pod-template annotation with its reason). */
function declares(template: PodTemplate, ...exceptions: SecurityException[]): boolean {
  return exceptions.some((e) => (template.annotations[securityExceptionAnnotation(e)] ?? '') !== '');
}

/** A securityContext field as it applies to a container: its own, else the pod's. */
function effective<T>(container: Container, template: PodTemplate, key: string): T | undefined {
  return field<T>(container, 'securityContext', key) ?? field<T>(template.spec, 'securityContext', key);
}

const runAsNonRoot: Rule = {
  name: 'run-as-non-root',
  severity: 'error',
  fix: 'set securityContext.runAsNonRoot: true on the pod (charts/workloads/security.ts podSecurityContext) and never false on a container',
  check: (inv) =>
    containerFindings(inv, restricted, (c, t) =>
      effective<boolean>(c, t, 'runAsNonRoot') === true || declares(t, 'runAsRoot') ? undefined : 'may run as root: runAsNonRoot is not true',
    ),
};

const runAsNumericUser: Rule = {
  name: 'run-as-numeric-user',
  severity: 'error',
  fix: "set securityContext.runAsUser (and runAsGroup) to the image's non-zero UID, e.g. securityContext.runAsUser in the workload config",
  check: (inv) =>
    containerFindings(inv, restricted, (c, t) => {
      if (declares(t, 'runAsRoot')) return undefined;
      const user = effective<unknown>(c, t, 'runAsUser');
      if (user === undefined) return 'runAsUser is not set: the kubelet cannot verify runAsNonRoot for an image whose USER is a name';
      return typeof user === 'number' && Number.isInteger(user) && user > 0 ? undefined : `runAsUser is ${JSON.stringify(user)}, not a non-zero UID`;
    }),
};

const noPrivilegeEscalation: Rule = {
  name: 'no-privilege-escalation',
  severity: 'error',
  fix: 'set securityContext.allowPrivilegeEscalation: false on every container (charts/workloads/security.ts containerSecurityContext)',
  check: (inv) =>
    containerFindings(inv, restricted, (c, t) =>
      field(c, 'securityContext', 'allowPrivilegeEscalation') === false || declares(t, 'privilegeEscalation', 'privileged') ? undefined : 'allowPrivilegeEscalation is not false',
    ),
};

const dropAllCapabilities: Rule = {
  name: 'drop-all-capabilities',
  severity: 'error',
  fix: 'set securityContext.capabilities.drop: [ALL] on every container; add back at most NET_BIND_SERVICE',
  check: (inv) =>
    containerFindings(inv, restricted, (c, t) => {
      const drop = field<string[]>(c, 'securityContext', 'capabilities', 'drop') ?? [];
      const added = (field<string[]>(c, 'securityContext', 'capabilities', 'add') ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (!drop.includes('ALL')) return 'capabilities.drop does not include ALL';
      return added.length && !declares(t, 'capabilities') ? `adds capabilities ${added.join(', ')}` : undefined;
    }),
};

const seccompProfile: Rule = {
  name: 'seccomp-profile',
  severity: 'error',
  fix: 'set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile)',
  check: (inv) =>
    containerFindings(inv, restricted, (c, t) => {
      const type = field<string>(c, 'securityContext', 'seccompProfile', 'type') ?? field<string>(t.spec, 'securityContext', 'seccompProfile', 'type');
      return type === 'RuntimeDefault' || type === 'Localhost' ? undefined : `seccompProfile is ${type ?? 'not set'}, not RuntimeDefault`;
    }),
};

const readOnlyRootFilesystem: Rule = {
  name: 'read-only-root-filesystem',
  severity: 'warning',
  fix: 'set readOnlyRootFilesystem: true and give the paths the process writes an emptyDir (`writablePaths` in the workload config)',
  check: (inv) => containerFindings(inv, restricted, (c) => (field(c, 'securityContext', 'readOnlyRootFilesystem') === true ? undefined : 'the root filesystem is writable')),
};

const noPrivilegedContainers: Rule = {
  name: 'no-privileged-containers',
  severity: 'error',
  fix: 'remove securityContext.privileged (and grant only the capabilities the process needs)',
  check: (inv) => containerFindings(inv, {}, (c, t) => (field(c, 'securityContext', 'privileged') === true && !declares(t, 'privileged') ? 'runs privileged' : undefined)),
};

const noHostNamespaces: Rule = {
  name: 'no-host-namespaces',
  severity: 'error',
  fix: 'remove hostNetwork, hostPID and hostIPC from the pod spec',
  check: (inv) =>
    inv.templates.flatMap((t) => {
      const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((key) => t.spec[key] === true);
      return shared.length ? [{ object: t.object, message: `shares the node's namespaces: ${shared.join(', ')}` }] : [];
    }),
};

const noHostPath: Rule = {
  name: 'no-host-path',
  severity: 'error',
  fix: 'use an emptyDir or a PersistentVolumeClaim; only a log shipper in a namespace that enforces the "privileged" profile may mount host paths',
  check: (inv) =>
    templatesInScope(inv, restricted).flatMap((t) =>
      (field<{ name: string; hostPath?: { path: string } }[]>(t.spec, 'volumes') ?? []).flatMap((v) =>
        v.hostPath ? [{ object: t.object, message: `volume "${v.name}" mounts the host path ${v.hostPath.path}` }] : [],
      ),
    ),
};

const securityExceptions: Rule = {
  name: 'security-exception',
  severity: 'warning',
  fix: "remove the entry from the workload's securityExceptions in the config as soon as it no longer needs it",
  check: (inv) =>
    inv.templates.flatMap((t) =>
      Object.keys(t.annotations)
        .filter((key) => key.startsWith(`${SECURITY_EXCEPTION_ANNOTATION_PREFIX}/`))
        .sort()
        .map((key) => ({ object: t.object, message: `declares the exception ${key.slice(SECURITY_EXCEPTION_ANNOTATION_PREFIX.length + 1)}: ${t.annotations[key]}` })),
    ),
};

export const podSecurityRules: readonly Rule[] = [
  runAsNonRoot,
  runAsNumericUser,
  noPrivilegeEscalation,
  dropAllCapabilities,
  seccompProfile,
  readOnlyRootFilesystem,
  noPrivilegedContainers,
  noHostNamespaces,
  noHostPath,
  securityExceptions,
];
