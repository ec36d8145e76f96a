/**
 * Pod Security levels and the explicit exceptions a workload may declare
 * (`securityExceptions` in its config), as pure functions: which level the environment namespace
 * must enforce, and the pod-template annotations that carry each exception with its reason into
 * the manifests, where the policy report (policy/rules/pod-security.ts) reads them.
 */
import type { Config, SecurityException, SecurityExceptionsConfig } from './schema.js';

/** The Pod Security Standards levels, least to most permissive (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
const POD_SECURITY_LEVELS = ['restricted', 'baseline', 'privileged'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/** Capabilities the "baseline" profile admits (the Docker default set); anything else needs "privileged". */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** Prefix of the pod-template annotations that record an exception: `<prefix>/<exception>: <reason>`. */
export const SECURITY_EXCEPTION_ANNOTATION_PREFIX = 'security-exception.cdk8s-platform';

/**
 * Annotation of a workload object (not its pod template, so editing it rolls no pod) that says
 * why the workload holds the privileges it holds: host paths, root, API permissions. The policy
 * report prints it beside what it reads from the objects (policy/privileges.ts).
 */
export const PRIVILEGES_REASON_ANNOTATION = 'privileges.cdk8s-platform/reason';

export function securityExceptionAnnotation(exception: SecurityException): string {
  return `${SECURITY_EXCEPTION_ANNOTATION_PREFIX}/${exception.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The exceptions a workload declares, with their reasons, in a fixed order. */
function declaredExceptions(exceptions: SecurityExceptionsConfig): [SecurityException, string][] {
  const list: [SecurityException, string][] = [];
  if (exceptions.runAsRoot) list.push(['runAsRoot', exceptions.runAsRoot]);
  if (exceptions.privilegeEscalation) list.push(['privilegeEscalation', exceptions.privilegeEscalation]);
  if (exceptions.capabilities) list.push(['capabilities', `adds ${exceptions.capabilities.add.join(', ')}: ${exceptions.capabilities.reason}`]);
  if (exceptions.privileged) list.push(['privileged', exceptions.privileged]);
  return list;
}

/** Pod-template annotations recording a workload's exceptions (none without exceptions). */
export function exceptionAnnotations(exceptions: SecurityExceptionsConfig): Record<string, string> {
  return Object.fromEntries(declaredExceptions(exceptions).map(([name, why]) => [securityExceptionAnnotation(name), why]));
}

/** The least permissive level that admits a workload with these exceptions. */
export function levelFor(exceptions: SecurityExceptionsConfig): PodSecurityLevel {
  if (exceptions.privileged) return 'privileged';
  if (exceptions.capabilities?.add.some((cap) => !BASELINE_CAPABILITIES.has(cap))) return 'privileged';
  if (exceptions.runAsRoot || exceptions.privilegeEscalation || exceptions.capabilities) return 'baseline';
  return 'restricted';
}

/** The level the environment namespace enforces: "restricted" unless an enabled workload declares an exception that needs more. */
export function namespaceLevel(config: Pick<Config, 'services' | 'workers'>): PodSecurityLevel {
  const levels = [...Object.values(config.services), ...Object.values(config.workers)].filter((w) => w.enabled).map((w) => levelFor(w.securityExceptions));
  return levels.reduce<PodSecurityLevel>((most, level) => (POD_SECURITY_LEVELS.indexOf(level) > POD_SECURITY_LEVELS.indexOf(most) ? level : most), 'restricted');
}
