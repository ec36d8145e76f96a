/**
 * fast-check generators of environment files: small valid overlays (random services and workers,
 * replicas, autoscaling, datastores they use, calls between them and out of the cluster, tiers,
 * Ingress, canary and blue-green states, network settings) and invalid ones (one mistake each, of the kinds users make).
 */
import fc from 'fast-check';
import { stringify } from 'yaml';

export type Overlay = Record<string, any>;

const TAGS = ['1.0.0', '1.4.2', '2.0.0-rc.1', 'v7'] as const;
const EXTRA_SERVICES = ['admin', 'search', 'docs'] as const;
const WORKERS = ['mailer', 'indexer'] as const;
type Store = 'mongodb' | 'redis';

/** true with probability 1 / (1 + odds): keeps the heavier features (logs, dashboards) in a share of the runs. */
const rarely = (odds: number) => fc.oneof({ arbitrary: fc.constant(false), weight: odds }, { arbitrary: fc.constant(true), weight: 1 });
/** Present half of the time. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 1 });

const autoscaling = fc
  .record({ enabled: fc.boolean(), minReplicas: fc.integer({ min: 1, max: 3 }), headroom: fc.integer({ min: 0, max: 5 }) })
  .map(({ enabled, minReplicas, headroom }) => ({ enabled, minReplicas, maxReplicas: minReplicas + headroom }));

function workload(stores: readonly Store[], tags: readonly string[]) {
  return fc.record(
    {
      replicas: fc.integer({ min: 0, max: 4 }),
      autoscaling,
      uses: fc.subarray([...stores]),
      image: fc.constantFrom(...tags).map((tag) => ({ tag })),
      readOnlyRootFilesystem: fc.boolean(),
    },
    { requiredKeys: ['uses'] },
  );
}

type Release = 'rolling' | 'canary' | 'blue-green' | 'rollout' | 'rollout-blue-green';

function service(stores: readonly Store[], tags: readonly string[], routed: boolean) {
  return fc
    .record({
      base: workload(stores, tags),
      topologySpread: fc.option(fc.boolean(), { nil: undefined }),
      metrics: fc.record({ enabled: fc.boolean(), port: fc.option(fc.constantFrom(9090, 9100), { nil: undefined }) }),
      liveness: fc.boolean(),
      release: fc.constantFrom<Release>('rolling', 'canary', 'blue-green', 'rollout', 'rollout-blue-green'),
      releaseTag: fc.constantFrom('3.0.0', '0.9.0'),
      canaryWeight: fc.constantFrom(10, 25, 50),
      canaryReplicas: fc.integer({ min: 1, max: 3 }),
      active: fc.constantFrom('blue', 'green'),
    })
    .map((s) => ({
      ...s.base,
      ...(s.topologySpread === undefined ? {} : { topologySpread: s.topologySpread }),
      metrics: s.metrics,
      probes: { liveness: { enabled: s.liveness } },
      // A canary is routed by the Ingress: only services with paths on an enabled Ingress run one.
      ...(s.release === 'canary' && routed ? { canary: { enabled: true, tag: s.releaseTag, weight: s.canaryWeight, replicas: s.canaryReplicas } } : {}),
      ...(s.release === 'blue-green' ? { blueGreen: { enabled: true, active: s.active, idleTag: s.releaseTag } } : {}),
      // Argo Rollouts: the controller runs the release, the config holds none of its state.
      ...(s.release === 'rollout' || s.release === 'rollout-blue-green' ? { delivery: { engine: 'argo-rollouts' } } : {}),
      ...(s.release === 'rollout-blue-green' ? { blueGreen: { enabled: true } } : {}),
    }));
}

/** A valid environment overlay. */
export const validOverlay: fc.Arbitrary<Overlay> = fc
  .record({
    tier: fc.constantFrom('dev', 'staging', 'prod'),
    mongodb: fc.boolean(),
    redis: fc.boolean(),
    ingress: fc.boolean(),
  })
  .chain(({ tier, mongodb, redis, ingress }) => {
    const stores: Store[] = [...(mongodb ? (['mongodb'] as const) : []), ...(redis ? (['redis'] as const) : [])];
    const tags = tier === 'dev' ? [...TAGS, 'latest'] : [...TAGS];
    return fc
      .record({
        backend: maybe(service(stores, tags, ingress)),
        frontend: maybe(service(stores, tags, ingress)),
        extra: fc
          .uniqueArray(fc.constantFrom(...EXTRA_SERVICES), { maxLength: 2 })
          .chain((names) =>
            fc.tuple(
              ...names.map((name) =>
                fc
                  .tuple(fc.constant(name), fc.boolean(), fc.boolean())
                  .chain(([n, routedHere]) => service(stores, tags, ingress && routedHere).map((s) => [n, routedHere, s] as const)),
              ),
            ),
          ),
        workers: fc
          .uniqueArray(fc.constantFrom(...WORKERS), { maxLength: 2 })
          .chain((names) => fc.tuple(...names.map((name) => workload(stores, tags).map((w) => [name, w] as const)))),
        replicaSetMembers: fc.constantFrom(0, 3, 5),
        exporters: fc.boolean(),
        tls: fc.boolean(),
        monitoring: rarely(2),
        logs: rarely(3),
        restrictEgress: fc.boolean(),
        externalApi: fc.boolean(),
        // Declared traffic: the last workload calls the first service (by name, or at its port), and maybe a host.
        calls: fc.record({ inCluster: fc.constantFrom('none', 'name', 'port'), host: fc.boolean() }),
        ingressNamespace: fc.constantFrom('ingress-nginx', 'traefik'),
        routing: fc.constantFrom('ingress-nginx', 'gateway-api'),
        gateway: fc.constantFrom('external', 'created'),
      })
      .map((g) => {
        const services: Overlay = {
          backend: g.backend ?? { enabled: false },
          frontend: g.frontend ?? { enabled: false },
        };
        for (const [name, routed, s] of g.extra) {
          services[name] = { ...s, image: { repository: `acme/${name}`, tag: s.image?.tag ?? '1.0.0' }, ingress: { paths: routed ? [{ path: `/${name}` }] : [] } };
          if (!routed) delete services[name].canary;
        }
        const workers = Object.fromEntries(g.workers.map(([name, w]) => [name, { ...w, image: { repository: `acme/${name}`, tag: w.image?.tag ?? '1.0.0' } }]));
        const enabledServices = Object.keys(services).filter((n) => services[n].enabled !== false);
        const enabledWorkloads = [...enabledServices, ...Object.keys(workers)];
        const callee = enabledServices[0];
        const caller = enabledWorkloads.at(-1);
        if (caller !== undefined) {
          // Extra services listen on the schema's default port, 8080.
          const atPort = g.calls.inCluster === 'port' && (EXTRA_SERVICES as readonly string[]).includes(callee);
          const calls = [
            ...(callee !== undefined && callee !== caller && g.calls.inCluster !== 'none' ? [atPort ? `${callee}:8080` : callee] : []),
            ...(g.calls.host ? ['api.example.com:443'] : []),
          ];
          if (calls.length) ((workers as Overlay)[caller] ?? services[caller]).calls = calls;
        }
        return {
          tier,
          services,
          ...(g.workers.length ? { workers } : {}),
          mongodb: {
            enabled: mongodb,
            replicaSet: g.replicaSetMembers ? { enabled: true, members: g.replicaSetMembers } : { enabled: false },
            metrics: { enabled: g.exporters },
          },
          redis: { enabled: redis, metrics: { enabled: g.exporters } },
          ingress: { enabled: ingress, tls: { enabled: g.tls } },
          ...(g.routing === 'gateway-api'
            ? { routing: { backend: 'gateway-api', gateway: g.gateway === 'created' ? { create: true, className: 'eg' } : { name: 'public', namespace: 'gateway-system' } } }
            : {}),
          monitoring: { enabled: g.monitoring },
          logs: { enabled: g.logs },
          network: {
            ingressController: { namespace: g.ingressNamespace },
            egress: {
              restrict: g.restrictEgress,
              allow: g.externalApi && enabledWorkloads.length ? [{ workloads: [enabledWorkloads[0]], cidr: '0.0.0.0/0', except: ['10.0.0.0/8'], ports: [443] }] : [],
            },
          },
        };
      });
  });

// ---------------------------------------------------------------------------
// Invalid configs: a valid overlay plus exactly one mistake.
// ---------------------------------------------------------------------------

export interface Mistake {
  readonly kind: string;
  /** The broken environment file. */
  readonly text: string;
}

const set = (overlay: Overlay, path: (string | number)[], value: unknown): Overlay => {
  const copy = structuredClone(overlay);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  node[path[path.length - 1]] = value;
  return copy;
};

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const invalidName = fc.oneof(
  fc.constantFrom('Mail_Sender', 'api.v2', '-web', 'web-', 'UPPER', 'a'.repeat(64), 'with space'),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !dnsLabel.test(s) && s.trim() === s && s !== '__proto__'),
);
const invalidMemory = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom('MB', 'GB', 'mb', 'gi', ' Mi', 'bytes')).map(([n, unit]) => `${n}${unit}`),
  fc.constantFrom('', 'lots', '-1Gi', '1.5.2Gi'),
);
const invalidCpu = fc.oneof(
  fc.constantFrom('1.5 cores', '100mc', '-1', 'half', '0.0001'),
  fc.integer({ min: 1, max: 999 }).map((n) => `${n}mcpu`),
);
const wrongType = fc.oneof(fc.constant('two'), fc.constant(true), fc.constant([1]), fc.constant({ n: 1 }), fc.constant(null));

/** Mistakes in the data, made on the parsed overlay. */
const dataMistakes: fc.Arbitrary<(o: Overlay) => Overlay>[] = [
  wrongType.map((v) => (o: Overlay) => set(o, ['services', 'backend', 'replicas'], v)),
  wrongType.filter((v) => typeof v !== 'boolean').map((v) => (o: Overlay) => set(o, ['ingress', 'enabled'], v)),
  fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 })).map((p) => (o: Overlay) => set(o, ['services', 'frontend', 'port'], p)),
  fc.integer({ max: -1 }).map((n) => (o: Overlay) => set(o, ['services', 'backend', 'replicas'], n)),
  fc.integer({ min: 101, max: 10_000 }).map((n) => (o: Overlay) => set(o, ['services', 'backend', 'autoscaling', 'targetCPUUtilizationPercentage'], n)),
  fc
    .double({ min: 0.1, max: 5, noNaN: true })
    .filter((n) => !Number.isInteger(n))
    .map((n) => (o: Overlay) => set(o, ['services', 'backend', 'replicas'], n)),
  invalidName.map((name) => (o: Overlay) => set(o, ['workers', name], { image: { repository: 'acme/w', tag: '1.0.0' } })),
  invalidName.map((name) => (o: Overlay) => set(o, ['namespace'], name)),
  invalidMemory.map((m) => (o: Overlay) => set(o, ['services', 'backend', 'resources', 'limits', 'memory'], m)),
  invalidMemory.map((m) => (o: Overlay) => set(o, ['mongodb', 'storage', 'size'], m)),
  invalidCpu.map((c) => (o: Overlay) => set(o, ['services', 'frontend', 'resources', 'requests', 'cpu'], c)),
  fc.constantFrom('/api', '/', '/docs').map(
    (path) => (o: Overlay) =>
      set(set(o, ['services', 'backend'], { ...o.services.backend, enabled: true, ingress: { paths: [{ path }] } }), ['services', 'frontend'], {
        ...o.services.frontend,
        enabled: true,
        ingress: { paths: [{ path }] },
      }),
  ),
  fc.constantFrom('replica', 'imagee', 'port_', 'Replicas').map((key) => (o: Overlay) => set(o, ['services', 'backend', key], 3)),
  fc.constantFrom('foo', 'service', 'network_policies').map((key) => (o: Overlay) => set(o, [key], {})),
  fc.constant((o: Overlay) => set(o, ['services', 'backend', 'resources'], { requests: { cpu: '2' }, limits: { cpu: '1' } })),
  fc.constant((o: Overlay) => set(set(o, ['tier'], 'prod'), ['services', 'frontend', 'image', 'tag'], 'latest')),
  fc.constantFrom(2, 4).map((members) => (o: Overlay) => set(o, ['mongodb', 'replicaSet'], { enabled: true, members })),
  fc.constant((o: Overlay) => set(o, ['network', 'egress', 'allow'], [{ workloads: ['nobody'], cidr: '0.0.0.0/0', ports: [443] }])),
  fc
    .constantFrom(['nobody'], ['backend:70000'], ['api.example.com'], ['10.0.0.0/8'])
    .map((calls) => (o: Overlay) => set(o, ['workers', 'caller'], { image: { repository: 'acme/caller', tag: '1.0.0' }, calls })),
  fc.constantFrom('10.0.0.0', '10.0.0.0/40', 'any').map((cidr) => (o: Overlay) => set(o, ['network', 'egress', 'allow'], [{ workloads: ['backend'], cidr, ports: [443] }])),
  fc.constant(({ tier: _, ...rest }: Overlay) => rest), // an environment file must state its tier
];

/** Mistakes in the YAML itself, made on the text. */
const syntaxMistakes: fc.Arbitrary<(text: string) => string>[] = [
  fc.constant((t: string) => `${t}services: [unclosed\n`),
  fc.constant((t: string) => `tier: dev\n${t}`), // duplicate key
  fc.constant((t: string) => `${t}\tbad: indentation\n`),
  fc.constant((t: string) => `- a list\n- ${JSON.stringify(t)}\n`),
  fc.constant((t: string) => `${t}mongodb: {enabled: true\n`),
  fc.constant((t: string) => `${t}key: "unterminated\n`),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => (t: string) => `${t}${key}:\n  namespace: kube-system\n`),
  fc.constantFrom('!foo', '!!python/object:os.system', '!!binary').map((tag) => (t: string) => `${t}extra: ${tag} x\n`),
  fc.constant((t: string) => `${t}deep: ${'['.repeat(100)}${']'.repeat(100)}\n`),
  // "Billion laughs": each alias list repeats the one before ten times.
  fc.constant(
    (t: string) =>
      `${t}${'abcdefgh'
        .split('')
        .map(
          (n, i) =>
            `${n}: &${n} [${Array(10)
              .fill(i ? `*${'abcdefgh'[i - 1]}` : 'x')
              .join(', ')}]`,
        )
        .join('\n')}\n`,
  ),
  fc.constant((t: string) => `%YAML 1.1\n---\n${t}`),
  fc.constant((t: string) => `${t}---\n${t}`), // two documents
];

export const invalidConfig: fc.Arbitrary<Mistake> = fc.oneof(
  fc.tuple(validOverlay, fc.oneof(...dataMistakes)).map(([overlay, mistake]) => ({ kind: 'data', text: stringify(mistake(overlay)) })),
  fc.tuple(validOverlay, fc.oneof(...syntaxMistakes)).map(([overlay, mistake]) => ({ kind: 'yaml', text: mistake(stringify(overlay)) })),
);
