/**
 * What each workload may do beyond the defaults every other workload keeps (non-root, no host
 * path, no API permission), read from the objects alone so that it holds for `--dist` too: its
 * user, its host paths (read-only or not), the Pod Security level of its namespace, the API
 * permissions of its ServiceAccount through (Cluster)RoleBindings among the objects, and why,
 * as the workload states it (PRIVILEGES_REASON_ANNOTATION). `npm run check` prints it; today that
 * is the log shipper: in Alloy's api mode pod logs through the API and no host path, in file mode
 * and with Promtail the node's log files as root.
 */
import { PRIVILEGES_REASON_ANNOTATION } from '../config/pod-security.js';
import { describeObject, metadataOf, type Container, type PodTemplate } from '../core/objects.js';
import type { Manifest } from '../core/manifest.js';
import type { Inventory } from './inventory.js';
import { field } from './rules/helpers.js';

const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export interface PrivilegeStatement {
  readonly object: Manifest;
  /** "DaemonSet webapp-prod-logging/alloy" */
  readonly workload: string;
  /** e.g. "UID 473 (non-root)" or "root (UID 0)", per container when they differ. */
  readonly runsAs: string;
  /** The Pod Security level its namespace enforces, when the objects include the Namespace. */
  readonly podSecurity?: string;
  /** "none", or each host path with (read-only) or (read-write). */
  readonly hostPaths: string;
  /** The API permissions of its ServiceAccount, one entry per binding; empty: none. */
  readonly api: readonly string[];
  readonly why?: string;
}

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
}
interface Binding {
  readonly roleRef?: { kind?: string; name?: string };
  readonly subjects?: readonly { kind?: string; name?: string; namespace?: string }[];
}

/** The user a container runs as: its own runAsUser, else the pod's. */
function userOf(container: Container, template: PodTemplate): string {
  const uid = field<number>(container, 'securityContext', 'runAsUser') ?? field<number>(template.spec, 'securityContext', 'runAsUser');
  const nonRoot = field<boolean>(container, 'securityContext', 'runAsNonRoot') ?? field<boolean>(template.spec, 'securityContext', 'runAsNonRoot');
  if (uid === 0) return 'root (UID 0)';
  if (uid === undefined) return nonRoot ? "the image's user (non-root)" : "the image's user (may be root)";
  return `UID ${uid} (non-root)`;
}

function hostPathsOf(template: PodTemplate): string {
  const volumes = (field<{ name: string; hostPath?: { path: string } }[]>(template.spec, 'volumes') ?? []).filter((v) => v.hostPath);
  if (volumes.length === 0) return 'none';
  const containers = [...(template.spec.initContainers ?? []), ...(template.spec.containers ?? [])];
  return volumes
    .map((v) => {
      const mounts = containers.flatMap((c) => (field<{ name: string; readOnly?: boolean }[]>(c, 'volumeMounts') ?? []).filter((m) => m.name === v.name));
      const readOnly = mounts.length > 0 && mounts.every((m) => m.readOnly === true);
      return `${v.hostPath?.path} (${readOnly ? 'read-only' : 'read-write'})`;
    })
    .join(', ');
}

/** "get, list, watch pods; get pods/log" */
function rulesText(rules: readonly PolicyRule[]): string {
  return rules
    .map((r) => `${(r.verbs ?? []).join(', ')} ${(r.resources ?? []).map((res) => (r.apiGroups?.some((g) => g !== '') ? `${res}.${r.apiGroups.join('|')}` : res)).join(', ')}`)
    .join('; ');
}

/** The permissions the ServiceAccount of `template` gets from the bindings among the objects. */
function apiAccess(inv: Inventory, template: PodTemplate): string[] {
  const account = field<string>(template.spec, 'serviceAccountName') ?? 'default';
  const bound = (b: Manifest) =>
    ((b as unknown as Binding).subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === account && (s.namespace ?? metadataOf(b).namespace) === template.namespace);
  const grants = [...inv.ofKind('RoleBinding'), ...inv.ofKind('ClusterRoleBinding')].filter(bound).map((b) => {
    const ref = (b as unknown as Binding).roleRef ?? {};
    const bindingNs = metadataOf(b).namespace;
    const role = ref.kind === 'ClusterRole' ? inv.find('ClusterRole', undefined, ref.name ?? '') : inv.find('Role', bindingNs, ref.name ?? '');
    const where = b.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in ${bindingNs}`;
    const rules = role ? rulesText(((role as unknown as { rules?: PolicyRule[] }).rules ?? []) as PolicyRule[]) : `${ref.kind} ${ref.name} (not among the objects)`;
    return { rules, where, role: `${ref.kind} ${ref.name}` };
  });
  // One line per set of rules, with every namespace it holds in.
  const byRules = new Map<string, { wheres: string[]; roles: Set<string> }>();
  for (const g of grants) {
    const entry = byRules.get(g.rules) ?? { wheres: [], roles: new Set<string>() };
    entry.wheres.push(g.where);
    entry.roles.add(g.role);
    byRules.set(g.rules, entry);
  }
  return [...byRules.entries()].map(([rules, { wheres, roles }]) => {
    const namespaces = wheres.filter((w) => w.startsWith('in ')).map((w) => w.slice(3));
    const scope = [...(wheres.includes('cluster-wide') ? ['cluster-wide'] : []), ...(namespaces.length ? [`in ${namespaces.sort().join(', ')}`] : [])].join(' and ');
    return `${rules} ${scope} (${[...roles].sort().join(', ')})`;
  });
}

/**
 * A statement for every workload that holds more than the defaults: API permissions, a host
 * path, root, a namespace that is not "restricted", or a stated reason.
 */
export function privilegeStatements(inv: Inventory): PrivilegeStatement[] {
  return inv.templates.flatMap((t) => {
    const containers = [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])];
    const users = [...new Set(containers.map((c) => userOf(c, t)))];
    const runsAs = users.length === 1 ? users[0] : containers.map((c) => `${c.name}: ${userOf(c, t)}`).join(', ');
    const namespace = t.namespace ? inv.find('Namespace', undefined, t.namespace) : undefined;
    const podSecurity = namespace ? metadataOf(namespace).labels?.[PSA_ENFORCE_LABEL] : undefined;
    const hostPaths = hostPathsOf(t);
    const api = apiAccess(inv, t);
    const why = metadataOf(t.object).annotations?.[PRIVILEGES_REASON_ANNOTATION];
    const holds = api.length > 0 || hostPaths !== 'none' || users.some((u) => !u.includes('(non-root)')) || (podSecurity !== undefined && podSecurity !== 'restricted') || why;
    return holds ? [{ object: t.object, workload: describeObject(t.object), runsAs, podSecurity, hostPaths, api, why }] : [];
  });
}

/**
 *   DaemonSet webapp-prod-logging/alloy (prod/60-logging.yaml)
 *     runs as      UID 473 (non-root), in a namespace that enforces restricted
 *     host paths   none
 *     API          get, list, watch pods; get pods/log in webapp-prod, webapp-prod-logging (Role log-shipper)
 *     why          ...
 */
export function formatPrivileges(statements: readonly PrivilegeStatement[], sourceOf: (object: Manifest) => string | undefined = () => undefined): string {
  const line = (label: string, text: string) => `    ${label.padEnd(12)} ${text}`;
  return statements
    .map((s) => {
      const source = sourceOf(s.object);
      return [
        `  ${s.workload}${source ? ` (${source})` : ''}`,
        line('runs as', `${s.runsAs}${s.podSecurity ? `, in a namespace that enforces ${s.podSecurity}` : ''}`),
        line('host paths', s.hostPaths),
        ...(s.api.length ? s.api.map((a, i) => line(i === 0 ? 'API' : '', a)) : [line('API', 'none')]),
        ...(s.why ? [line('why', s.why)] : []),
      ].join('\n');
    })
    .join('\n');
}
