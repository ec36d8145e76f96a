/** Container hygiene: probes on web services, resources everywhere, pinned images. */
import { longRunningContainers, type Container, type PodSpec, type PodTemplate } from '../../core/objects.js';
import { templatesSelectedBy, type Inventory } from '../inventory.js';
import type { Finding, Rule } from '../types.js';
import { containerFindings, field } from './helpers.js';

/** Deployments (and Argo Rollouts) that a Service sends traffic to: the long-running pods of web services. */
function webServiceTemplates(inv: Inventory): Set<PodTemplate> {
  const served = inv.ofKind('Service').flatMap((s) => templatesSelectedBy(inv, field<string>(s, 'metadata', 'namespace'), field<Record<string, string>>(s, 'spec', 'selector')));
  return new Set(served.filter((t) => t.kind === 'Deployment' || t.kind === 'Rollout'));
}

function probeRule(probe: 'readinessProbe' | 'livenessProbe', rule: Omit<Rule, 'check'>, consequence: string): Rule {
  return {
    ...rule,
    check: (inv) => {
      const web = webServiceTemplates(inv);
      return [...web].flatMap((t): Finding[] =>
        longRunningContainers(t.spec)
          .filter((c) => c[probe] === undefined)
          .map((c) => ({ object: t.object, message: `container "${c.name}" has no ${probe}: ${consequence}` })),
      );
    },
  };
}

const readinessProbe = probeRule(
  'readinessProbe',
  { name: 'readiness-probe', severity: 'error', fix: 'add a readinessProbe (services.<name>.probes.readiness in the config)' },
  'it receives traffic before it can serve it, and a broken rollout looks healthy',
);

const livenessProbe = probeRule(
  'livenessProbe',
  { name: 'liveness-probe', severity: 'warning', fix: 'add a livenessProbe (services.<name>.probes.liveness in the config)' },
  'a hung process is never restarted',
);

const RESOURCES = [
  ['requests', 'cpu'],
  ['requests', 'memory'],
  ['limits', 'cpu'],
  ['limits', 'memory'],
] as const;

/** Init and app containers (ephemeral containers cannot have resources). */
const initAndApp = (spec: PodSpec): Container[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];

const resources: Rule = {
  name: 'resources',
  severity: 'error',
  fix: 'set resources.requests and resources.limits (cpu and memory) on every container, init containers and sidecars included',
  check: (inv) =>
    containerFindings(inv, { containers: initAndApp }, (c) => {
      const missing = RESOURCES.filter(([kind, resource]) => field(c, 'resources', kind, resource) === undefined).map((path) => path.join('.'));
      return missing.length ? `no ${missing.join(', ')}` : undefined;
    }),
};

/** The tag of an image reference ("registry:5000/repo:tag@sha256:..."), undefined when untagged. */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

const pinnedImages: Rule = {
  name: 'pinned-images',
  severity: 'error',
  relaxedIn: ['dev'],
  fix: 'pin a version tag such as "1.4.2" (or a digest): "latest" and untagged images change under you and cannot be rolled back',
  check: (inv) =>
    containerFindings(inv, {}, (c) => {
      if (!c.image) return 'has no image';
      if (c.image.includes('@sha256:')) return undefined;
      const tag = imageTag(c.image);
      if (tag === undefined) return `image ${c.image} has no tag (means "latest")`;
      return tag === 'latest' ? `image ${c.image} uses the "latest" tag` : undefined;
    }),
};

export const containerRules: readonly Rule[] = [readinessProbe, livenessProbe, resources, pinnedImages];
