import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnvironment } from '../config/load.js';
import { cidrContains, ipInCidr, parseCidr } from '../config/cidr.js';
import { isAllowed, type NetworkEndpoint, type PodEndpoint } from '../policy/network/evaluate.js';
import { environmentContext } from '../config/context.js';
import { groupId, isMetricsPortName, LOGGING_WORKLOADS, policiesFromFlows, type Flow, type PodGroup } from '../charts/security/policies.js';
import { isNetworkPolicy, type NetworkPolicy } from '../core/network-policy.js';
import { metadataOf, podPorts, podTemplatesOf, type PodTemplate } from '../core/objects.js';
import type { RenderedEnvironment } from '../core/manifest.js';
import { configFromYaml, ENVIRONMENTS, findAll, objectsOf, renderCommitted, renderYaml } from './helpers.js';
import { parseCall } from '../config/calls.js';
import { checkObjects } from '../policy/index.js';
import { renderReference } from './setup/reference.js';

// ---------------------------------------------------------------------------
// A world to evaluate connections in: the environment's pods plus pods elsewhere in the cluster.
// ---------------------------------------------------------------------------

const OUTSIDE: Record<string, NetworkEndpoint> = {
  'ingress-nginx': { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  traefik: { namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik' } },
  'envoy-gateway-proxy': { namespace: 'envoy-gateway-system', labels: { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' } },
  'istio-gateway': { namespace: 'edge', labels: { 'gateway.networking.k8s.io/gateway-name': 'public' } },
  prometheus: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
  grafana: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' } },
  'other-namespace': { namespace: 'default', labels: { app: 'curl' }, ports: [{ name: 'http', containerPort: 80 }] },
  'kube-dns': { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  internet: { ip: '93.184.216.34' },
  'private-address': { ip: '10.1.2.3' },
  'api-server': { ip: '172.18.0.2' },
};

interface World {
  readonly policies: NetworkPolicy[];
  endpoint(name: string): NetworkEndpoint;
  readonly templates: PodTemplate[];
}

function worldOf(env: RenderedEnvironment): World {
  const objects = objectsOf(env);
  const namespaceLabels = new Map(objects.filter((o) => o.kind === 'Namespace').map((ns) => [metadataOf(ns).name, metadataOf(ns).labels]));
  const templates = podTemplatesOf(objects);
  const pod = (t: PodTemplate): PodEndpoint => ({ namespace: t.namespace!, namespaceLabels: namespaceLabels.get(t.namespace), labels: t.labels, ports: podPorts(t.spec) });
  return {
    policies: objects.filter((o) => isNetworkPolicy(o)) as unknown as NetworkPolicy[],
    templates,
    endpoint(name) {
      const template = templates.find((t) => t.name === name);
      const endpoint = template ? pod(template) : OUTSIDE[name];
      if (!endpoint) throw new Error(`no endpoint "${name}"`);
      return endpoint;
    },
  };
}

type Verdict = 'allow' | 'deny';
/** [from, to, "port" or "port/UDP", verdict] */
type Row = readonly [string, string, string, Verdict];

/** The verdicts the emitted policies give for `rows`, in the same shape, so a diff shows the wrong rows. */
function reachability(env: RenderedEnvironment, rows: readonly Row[]): Row[] {
  const world = worldOf(env);
  return rows.map(([from, to, port]) => {
    const [number, protocol] = port.split('/');
    const allowed = isAllowed(world.policies, {
      from: world.endpoint(from),
      to: world.endpoint(to),
      port: Number(number),
      protocol: (protocol ?? 'TCP') as 'TCP' | 'UDP',
    });
    return [from, to, port, allowed ? 'allow' : 'deny'];
  });
}

// ---------------------------------------------------------------------------
// The reachability table.
// ---------------------------------------------------------------------------

describe('reachability in prod (from the emitted NetworkPolicies)', () => {
  const prod = renderReference('prod');
  const table: Row[] = [
    // The ingress controller reaches the web services' http ports, and nothing else.
    ['ingress-nginx', 'backend', '5000', 'allow'],
    ['ingress-nginx', 'frontend', '8080', 'allow'],
    ['ingress-nginx', 'backend', '22', 'deny'],
    ['ingress-nginx', 'mongodb', '27017', 'deny'],
    ['ingress-nginx', 'redis', '6379', 'deny'],
    // Any other namespace reaches nothing.
    ['other-namespace', 'backend', '5000', 'deny'],
    ['other-namespace', 'frontend', '8080', 'deny'],
    ['other-namespace', 'mongodb', '27017', 'deny'],
    ['other-namespace', 'loki', '3100', 'deny'],
    // Prometheus scrapes metrics: the backend serves /metrics on http, the frontend has none.
    ['prometheus', 'backend', '5000', 'allow'],
    ['prometheus', 'frontend', '8080', 'deny'],
    ['prometheus', 'mongodb', '9216', 'allow'],
    ['prometheus', 'mongodb', '27017', 'deny'],
    ['prometheus', 'redis', '9121', 'allow'],
    ['prometheus', 'redis', '6379', 'deny'],
    ['prometheus', 'alloy', '12345', 'allow'],
    ['prometheus', 'loki', '3100', 'allow'],
    // Workloads reach exactly the datastores they use.
    ['backend', 'mongodb', '27017', 'allow'],
    ['backend', 'redis', '6379', 'allow'],
    ['backend', 'mongodb', '22', 'deny'],
    ['frontend', 'mongodb', '27017', 'deny'],
    ['frontend', 'redis', '6379', 'deny'],
    ['frontend', 'backend', '5000', 'deny'],
    ['backend', 'frontend', '8080', 'deny'],
    ['redis', 'mongodb', '27017', 'deny'],
    ['mongodb', 'redis', '6379', 'deny'],
    // Replica-set members reach each other; the init Job reaches them and nothing else.
    ['mongodb', 'mongodb', '27017', 'allow'],
    ['mongodb-rs-init', 'mongodb', '27017', 'allow'],
    ['mongodb-rs-init', 'redis', '6379', 'deny'],
    // Egress is restricted: DNS yes, the rest of the world no.
    ['backend', 'kube-dns', '53/UDP', 'allow'],
    ['backend', 'kube-dns', '53', 'allow'],
    ['mongodb', 'kube-dns', '53/UDP', 'allow'],
    ['backend', 'internet', '443', 'deny'],
    ['mongodb', 'internet', '443', 'deny'],
    ['backend', 'other-namespace', '80', 'deny'],
    // Logs: Alloy pushes to Loki and tails logs through the API server, Grafana queries Loki, nobody else reaches it.
    ['alloy', 'loki', '3100', 'allow'],
    ['grafana', 'loki', '3100', 'allow'],
    ['backend', 'loki', '3100', 'deny'],
    ['alloy', 'api-server', '6443', 'allow'],
    ['alloy', 'api-server', '443', 'allow'],
    ['alloy', 'backend', '5000', 'deny'],
    ['alloy', 'internet', '80', 'deny'],
    ['other-namespace', 'alloy', '12345', 'deny'],
    ['loki', 'internet', '443', 'deny'],
  ];

  it('allows exactly the declared flows', () => {
    expect(reachability(prod, table)).toEqual(table);
  });

  it('gives Promtail, when chosen, the same flows as Alloy', () => {
    const promtail = renderYaml('tier: prod\nlogs: { shipper: promtail }\n');
    const rows: Row[] = [
      ['promtail', 'loki', '3100', 'allow'],
      ['promtail', 'api-server', '6443', 'allow'],
      ['promtail', 'backend', '5000', 'deny'],
      ['prometheus', 'promtail', '3101', 'allow'],
      ['backend', 'loki', '3100', 'deny'],
    ];
    expect(reachability(promtail, rows)).toEqual(rows);
  });
});

describe.each(ENVIRONMENTS)('reachability in %s', (name) => {
  const env = renderCommitted(name);
  const world = worldOf(env);

  it('lets Prometheus reach every container port named "metrics" or "*-metrics", found in the objects', () => {
    const rows: Row[] = world.templates.flatMap((t) =>
      podPorts(t.spec)
        .filter((p) => isMetricsPortName(p.name))
        .map((p): Row => ['prometheus', t.name, String(p.containerPort), 'allow']),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('isolates every pod for ingress, and denies a stranger every declared port', () => {
    const rows: Row[] = world.templates.flatMap((t) => podPorts(t.spec).map((p): Row => ['other-namespace', t.name, String(p.containerPort), 'deny']));
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('matches the pods of the logging stack by the names the policies assume', () => {
    const logging = world.templates.filter((t) => t.namespace?.endsWith('-logging'));
    if (logging.length === 0) return;
    const shipper = loadEnvironment(name).config.logs.shipper;
    expect(logging.map((t) => t.labels['app.kubernetes.io/name']).sort()).toEqual([LOGGING_WORKLOADS.loki, LOGGING_WORKLOADS[shipper]].sort());
  });
});

describe('reachability follows the config', () => {
  it('workers reach only the datastores they use, and nothing reaches them', () => {
    const env = renderYaml('tier: prod\nworkers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1.1.0" }\n    uses: [redis]\n');
    const rows: Row[] = [
      ['mailer', 'redis', '6379', 'allow'],
      ['mailer', 'mongodb', '27017', 'deny'],
      ['ingress-nginx', 'mailer', '8080', 'deny'],
      ['backend', 'mailer', '8080', 'deny'],
    ];
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('services without Ingress paths are not reachable from the ingress controller', () => {
    const env = renderYaml('tier: prod\nservices:\n  admin:\n    image: { repository: acme/admin, tag: "2.0.0" }\n    metrics: { enabled: false }\n');
    const rows: Row[] = [
      ['ingress-nginx', 'admin', '8080', 'deny'],
      ['ingress-nginx', 'backend', '5000', 'allow'],
      ['admin', 'mongodb', '27017', 'deny'],
    ];
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('canary and blue-green pods get the same flows as the stable ones', () => {
    const canary = renderYaml('tier: prod\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n');
    const canaryRows: Row[] = [
      ['ingress-nginx', 'backend-canary', '5000', 'allow'],
      ['backend-canary', 'mongodb', '27017', 'allow'],
      ['backend-canary', 'internet', '443', 'deny'],
    ];
    expect(reachability(canary, canaryRows)).toEqual(canaryRows);
    const blueGreen = renderYaml('tier: prod\nservices:\n  backend:\n    blueGreen: { enabled: true, idleTag: "0.9.0" }\n');
    const colourRows: Row[] = ['backend-blue', 'backend-green'].flatMap((colour): Row[] => [
      ['ingress-nginx', colour, '5000', 'allow'],
      [colour, 'redis', '6379', 'allow'],
    ]);
    expect(reachability(blueGreen, colourRows)).toEqual(colourRows);
  });

  it('network.egress.allow opens exactly the listed addresses and ports to the listed workloads', () => {
    const env = renderYaml('tier: prod\nnetwork:\n  egress:\n    allow: [{ workloads: [backend], cidr: 0.0.0.0/0, except: [10.0.0.0/8], ports: [443] }]\n');
    const rows: Row[] = [
      ['backend', 'internet', '443', 'allow'],
      ['backend', 'internet', '80', 'deny'],
      ['backend', 'private-address', '443', 'deny'],
      ['frontend', 'internet', '443', 'deny'],
    ];
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('without egress restriction pods may connect out, but ingress stays closed', () => {
    const env = renderYaml('tier: prod\nnetwork:\n  egress:\n    restrict: false\n');
    expect(objectsOf(env).some((o) => isNetworkPolicy(o) && metadataOf(o).name === 'allow-dns')).toBe(false);
    const rows: Row[] = [
      ['backend', 'internet', '443', 'allow'],
      ['frontend', 'mongodb', '27017', 'deny'],
      ['backend', 'mongodb', '27017', 'allow'],
    ];
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('the ingress controller and Prometheus are configurable peers', () => {
    const env = renderYaml('tier: prod\nnetwork:\n  ingressController: { namespace: traefik }\n  prometheus: { podSelector: { app.kubernetes.io/name: prometheus } }\n');
    const rows: Row[] = [
      ['traefik', 'backend', '5000', 'allow'],
      ['ingress-nginx', 'backend', '5000', 'deny'],
      ['prometheus', 'backend', '5000', 'allow'],
      ['grafana', 'redis', '9121', 'deny'],
    ];
    expect(reachability(env, rows)).toEqual(rows);
  });

  it('with routing.backend gateway-api the Gateway data plane reaches the routed services instead of ingress-nginx', () => {
    const env = renderYaml('tier: prod\nrouting: { backend: gateway-api }\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n');
    const rows: Row[] = [
      ['envoy-gateway-proxy', 'backend', '5000', 'allow'],
      ['envoy-gateway-proxy', 'backend-canary', '5000', 'allow'],
      ['envoy-gateway-proxy', 'frontend', '8080', 'allow'],
      ['envoy-gateway-proxy', 'mongodb', '27017', 'deny'],
      ['ingress-nginx', 'backend', '5000', 'deny'],
    ];
    expect(reachability(env, rows)).toEqual(rows);
    // The data plane is configurable: a Gateway whose proxies run beside it (Istio, NGINX Gateway Fabric), only its own pods.
    const istio = renderYaml(
      'tier: prod\nrouting: { backend: gateway-api, gateway: { name: public, namespace: edge } }\nnetwork:\n  gatewayDataPlane: { namespace: edge, podSelector: { gateway.networking.k8s.io/gateway-name: public } }\n',
    );
    const istioRows: Row[] = [
      ['istio-gateway', 'frontend', '8080', 'allow'],
      ['envoy-gateway-proxy', 'frontend', '8080', 'deny'],
    ];
    expect(reachability(istio, istioRows)).toEqual(istioRows);
  });

  it('network.policies: false emits none (nothing is isolated)', () => {
    const env = renderYaml('tier: prod\nnetwork:\n  policies: false\n');
    expect(env.files.map((f) => f.name)).not.toContain('10-network-policies.yaml');
    expect(reachability(env, [['other-namespace', 'mongodb', '27017', 'allow']])).toEqual([['other-namespace', 'mongodb', '27017', 'allow']]);
  });
});

// ---------------------------------------------------------------------------
// Declared traffic: `calls` (config/calls.ts).
// ---------------------------------------------------------------------------

/**
 * The voting app (../shared/seeds/003): vote (Python, web) queues votes in Redis, the .NET worker
 * moves them into PostgreSQL, result (Node.js, web with websockets) reads PostgreSQL. PostgreSQL is
 * a web-service-shaped workload here (port 5432, no Ingress), the shape this slice has; the example
 * in examples/ makes it a StatefulSet. A notifier calls a host outside the cluster.
 */
const VOTING_APP = `tier: prod
mongodb: { enabled: false }
services:
  backend: { enabled: false }
  frontend: { enabled: false }
  vote:
    image: { repository: dockersamples/examplevotingapp_vote, tag: "1.0.0" }
    port: 80
    uses: [redis]
    ingress: { paths: [{ path: / }] }
    metrics: { enabled: false }
  result:
    image: { repository: dockersamples/examplevotingapp_result, tag: "1.0.0" }
    port: 80
    calls: [db:5432]
    ingress: { paths: [{ path: /result }] }
    metrics: { enabled: false }
  db:
    image: { repository: library/postgres, tag: "16" }
    port: 5432
    servicePort: 5432
    metrics: { enabled: false }
    probes: { liveness: { enabled: false }, readiness: { enabled: false }, startup: { enabled: false } }
workers:
  worker:
    image: { repository: dockersamples/examplevotingapp_worker, tag: "1.0.0" }
    uses: [redis]
    calls: [db, 10.1.0.0/16:5432]
  notifier:
    image: { repository: acme/notifier, tag: "1.0.0" }
    calls: [hooks.slack.com:443, result]
`;

describe('reachability of declared calls: the voting app', () => {
  const env = renderYaml(VOTING_APP);
  const table: Row[] = [
    // The declared flows, both ends: egress of the caller, ingress of the callee.
    ['vote', 'redis', '6379', 'allow'],
    ['worker', 'redis', '6379', 'allow'],
    ['worker', 'db', '5432', 'allow'],
    ['result', 'db', '5432', 'allow'],
    ['notifier', 'result', '80', 'allow'],
    // Nothing else: the callee accepts only its callers, on the called port only.
    ['vote', 'db', '5432', 'deny'],
    ['result', 'redis', '6379', 'deny'],
    ['worker', 'vote', '80', 'deny'],
    ['worker', 'result', '80', 'deny'],
    ['db', 'redis', '6379', 'deny'],
    ['other-namespace', 'db', '5432', 'deny'],
    ['ingress-nginx', 'db', '5432', 'deny'],
    ['ingress-nginx', 'vote', '80', 'allow'],
    ['ingress-nginx', 'result', '80', 'allow'],
    // A host outside the cluster: any public address on its port, never a private one.
    ['notifier', 'internet', '443', 'allow'],
    ['notifier', 'internet', '80', 'deny'],
    ['notifier', 'private-address', '443', 'deny'],
    ['notifier', 'api-server', '443', 'deny'],
    // Addresses: exactly the block and port.
    ['worker', 'private-address', '5432', 'allow'],
    ['worker', 'private-address', '443', 'deny'],
    ['worker', 'internet', '5432', 'deny'],
    ['result', 'internet', '443', 'deny'],
  ];

  it('allows exactly the declared flows', () => {
    expect(reachability(env, table)).toEqual(table);
  });

  it('passes the policy report with network policies on (every pod has its policy)', () => {
    // Only db's missing probes remain: PostgreSQL needs a TCP or exec probe, which this fixture's
    // web-service shape cannot state (the examples' StatefulSet has them).
    expect(checkObjects(objectsOf(env)).map((v) => `${v.rule}: ${v.object}`)).toEqual(['readiness-probe: Deployment webapp-test/db', 'liveness-probe: Deployment webapp-test/db']);
  });

  it('keeps in-cluster calls working without egress restriction: only the callee side is needed', () => {
    const open = renderYaml(`${VOTING_APP}network: { egress: { restrict: false } }
`);
    const rows: Row[] = [
      ['worker', 'db', '5432', 'allow'],
      ['result', 'db', '5432', 'allow'],
      ['vote', 'db', '5432', 'deny'],
      ['other-namespace', 'db', '5432', 'deny'],
      ['notifier', 'private-address', '443', 'allow'], // egress is open
    ];
    expect(reachability(open, rows)).toEqual(rows);
  });

  it('a call by its Service port reaches the container port', () => {
    const viaService = renderYaml(
      VOTING_APP.replace('calls: [hooks.slack.com:443, result]', 'calls: [result:80]').replace('    port: 80\n    calls: [db:5432]', '    port: 8080\n    calls: [db:5432]'),
    );
    const rows: Row[] = [
      ['notifier', 'result', '8080', 'allow'],
      ['notifier', 'result', '80', 'deny'],
    ];
    expect(reachability(viaService, rows)).toEqual(rows);
  });

  it('a call to a workload disabled in this environment is left out; its pods do not exist', () => {
    const withoutDb = renderYaml(VOTING_APP.replace('    port: 5432\n    servicePort: 5432', '    enabled: false\n    port: 5432\n    servicePort: 5432'));
    expect(findAll(withoutDb, 'NetworkPolicy').find((p) => p.metadata.name === 'result').spec.egress).toBeUndefined();
  });
});

describe('calls: config errors', () => {
  const problems = (yamlText: string) => {
    try {
      configFromYaml(`tier: prod
${yamlText}`);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };
  const worker = (calls: string) => `workers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1" }\n    calls: ${calls}\n`;

  it('parses every form of a call', () => {
    expect(['postgres', 'chain-node:8545', 'dns:53/udp', 'api.stripe.com:443', '10.0.0.0/8:5432', '10.1.2.3:6379', '[2001:db8::/32]:443'].map(parseCall)).toEqual([
      { kind: 'workload', name: 'postgres' },
      { kind: 'workload', name: 'chain-node', port: 8545 },
      { kind: 'workload', name: 'dns', port: 53, protocol: 'UDP' },
      { kind: 'host', host: 'api.stripe.com', port: 443, protocol: 'TCP' },
      { kind: 'addresses', cidr: '10.0.0.0/8', port: 5432, protocol: 'TCP' },
      { kind: 'addresses', cidr: '10.1.2.3/32', port: 6379, protocol: 'TCP' },
      { kind: 'addresses', cidr: '2001:db8::/32', port: 443, protocol: 'TCP' },
    ]);
  });

  it('names the call, its line and what is wrong', () => {
    expect(problems(worker('[backnd]'))).toEqual([
      'workers.mailer.calls[0] (line 5, column 13): "backnd" is no service, worker or datastore of this environment (backend, frontend, mailer, mongodb, redis); a host outside the cluster has a dot and a port, e.g. "api.example.com:443"',
    ]);
    expect(problems(worker('[backend:8080]'))).toEqual([
      'workers.mailer.calls[0] (line 5, column 13): service "backend" serves no port 8080 (its ports: 5000/TCP (Service port 80))',
    ]);
    expect(problems(worker('[redis:6379/UDP]'))).toEqual(['workers.mailer.calls[0] (line 5, column 13): Redis serves no port 6379/UDP (its ports: 6379/TCP)']);
    expect(problems(worker('[api.stripe.com]'))).toEqual([
      'workers.mailer.calls[0] (line 5, column 13): a call to a host outside the cluster names its port, e.g. "api.stripe.com:443"',
    ]);
    expect(problems(worker('["10.0.0.0/8"]'))).toEqual([
      'workers.mailer.calls[0] (line 5, column 13): a call to addresses outside the cluster names its port, e.g. "10.0.0.0/8:443"',
    ]);
    expect(problems(worker('["backend:99999"]'))).toEqual(['workers.mailer.calls[0] (line 5, column 13): port 99999 is not a port: 1 to 65535']);
    expect(problems(worker('["backend:80/http"]'))).toEqual(['workers.mailer.calls[0] (line 5, column 13): "http" is not a protocol: TCP, UDP or SCTP']);
    expect(problems(worker('["Backend!"]'))[0]).toMatch(/must be a call such as "postgres", "chain-node:8545"/);
    expect(problems(`${worker('[]')}  other:\n    image: { repository: a/b, tag: "1" }\n    calls: [mailer]\n`)).toEqual([
      'workers.other.calls[0] (line 8, column 13): worker "mailer" serves no port to call: declare its ports (workers.mailer.ports)',
    ]);
  });
});

// ---------------------------------------------------------------------------
// The evaluator itself, on hand-written policies.
// ---------------------------------------------------------------------------

describe('NetworkPolicy evaluator', () => {
  const policy = (name: string, spec: NetworkPolicy['spec'], namespace = 'app'): NetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec,
  });
  const web: PodEndpoint = { namespace: 'app', labels: { role: 'web' }, ports: [{ name: 'http', containerPort: 8080 }] };
  const db: PodEndpoint = { namespace: 'app', labels: { role: 'db' }, ports: [{ name: 'sql', containerPort: 5432 }] };
  const other: PodEndpoint = { namespace: 'other', namespaceLabels: { team: 'a' }, labels: { role: 'web' } };
  const allow = (policies: NetworkPolicy[], from: NetworkEndpoint, to: NetworkEndpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP') =>
    isAllowed(policies, { from, to, port, protocol });

  it('allows everything when no policy selects the pods', () => {
    expect(allow([], other, db, 5432)).toBe(true);
    expect(allow([policy('p', { podSelector: { matchLabels: { role: 'web' } } })], other, db, 5432)).toBe(true);
  });

  it('a policy without rules is a default deny for its policyTypes', () => {
    const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(allow([deny], web, db, 5432)).toBe(false);
    expect(allow([deny], db, { ip: '1.1.1.1' }, 443)).toBe(true); // egress not isolated
    expect(allow([policy('deny', { podSelector: {}, policyTypes: ['Egress'] })], db, { ip: '1.1.1.1' }, 443)).toBe(false);
  });

  it('defaults policyTypes to Ingress, plus Egress when the policy has egress rules', () => {
    expect(allow([policy('p', { podSelector: {} })], web, db, 5432)).toBe(false);
    expect(allow([policy('p', { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })], web, { ip: '1.1.1.1' }, 443)).toBe(false);
  });

  it('takes the union of every policy that selects the pod', () => {
    const policies = [
      policy('deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      policy('web', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'web' } } }] }] }),
    ];
    expect(allow(policies, web, db, 5432)).toBe(true);
    expect(allow(policies, db, web, 8080)).toBe(false);
  });

  it("reads a podSelector alone as pods of the policy's namespace, and AND-s it with a namespaceSelector in the same peer", () => {
    const same = policy('p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'web' } } }] }] });
    expect(allow([same], web, db, 5432)).toBe(true);
    expect(allow([same], other, db, 5432)).toBe(false);
    const both = policy('p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { role: 'db' } } }] }] });
    expect(allow([both], other, db, 5432)).toBe(false);
    const either = policy('p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }, { podSelector: { matchLabels: { role: 'db' } } }] }] });
    expect(allow([either], other, db, 5432)).toBe(true);
    expect(allow([policy('p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] }] })], other, db, 1)).toBe(
      true,
    );
  });

  it('matches ports by number, range, name and protocol; no ports means all ports', () => {
    const on = (ports: NetworkPolicy['spec']['ingress']) => [policy('p', { podSelector: {}, ingress: ports })];
    expect(allow(on([{ ports: [{ port: 5432 }] }]), web, db, 5432)).toBe(true);
    expect(allow(on([{ ports: [{ port: 5432 }] }]), web, db, 5432, 'UDP')).toBe(false);
    expect(allow(on([{ ports: [{ port: 5000, endPort: 6000 }] }]), web, db, 5432)).toBe(true);
    expect(allow(on([{ ports: [{ port: 'sql' }] }]), web, db, 5432)).toBe(true);
    expect(allow(on([{ ports: [{ port: 'http' }] }]), web, db, 5432)).toBe(false);
    expect(allow(on([{}]), web, db, 1)).toBe(true);
  });

  it('matches ipBlocks with their exceptions, for external addresses only', () => {
    const policies = [policy('p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] })];
    expect(allow(policies, web, { ip: '93.184.216.34' }, 443)).toBe(true);
    expect(allow(policies, web, { ip: '10.0.0.1' }, 443)).toBe(false);
    expect(allow(policies, web, db, 5432)).toBe(false);
  });

  it("needs both the sender's egress and the receiver's ingress", () => {
    const egressDeny = policy('e', { podSelector: { matchLabels: { role: 'web' } }, policyTypes: ['Egress'] });
    expect(allow([egressDeny], web, db, 5432)).toBe(false);
    expect(allow([egressDeny], db, web, 8080)).toBe(true);
  });

  it('applies a policy only in its own namespace', () => {
    expect(allow([policy('deny', { podSelector: {} }, 'other')], web, db, 5432)).toBe(true);
  });
});

describe('CIDR helpers', () => {
  it('parse IPv4 and IPv6 blocks and reject anything else', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ version: 4, network: 10n << 24n, prefix: 8 });
    expect(parseCidr('10.1.2.3/8')?.network).toBe(10n << 24n);
    expect(parseCidr('fd00::/8')).toMatchObject({ version: 6, prefix: 8 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '300.0.0.0/8', 'fd00::/129', 'example.com/8', '10.0.0.0/-1']) expect(parseCidr(bad), bad).toBeUndefined();
  });
  it('tell containment', () => {
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseCidr('10.0.0.0/8')!)).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/8')!, parseCidr('0.0.0.0/0')!)).toBe(false);
    expect(cidrContains(parseCidr('::/0')!, parseCidr('10.0.0.0/8')!)).toBe(false);
    expect(ipInCidr('2001:db8::1', parseCidr('2001:db8::/32')!)).toBe(true);
    expect(ipInCidr('192.168.1.1', parseCidr('192.168.0.0/24')!)).toBe(false);
  });
});

describe('network config', () => {
  const problems = (yamlText: string) => {
    try {
      // The tier goes last so that the expected lines and columns are those of yamlText.
      configFromYaml(`${yamlText}\ntier: prod\n`);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };
  it('defaults to policies on, egress restricted, ingress-nginx, monitoring and kube-system', () => {
    expect(configFromYaml('tier: prod\n').network).toMatchObject({
      policies: true,
      ingressController: { namespace: 'ingress-nginx' },
      prometheus: { namespace: 'monitoring' },
      dns: { namespace: 'kube-system' },
      egress: { restrict: true, allow: [] },
    });
  });
  it('rejects unknown workloads, bad CIDRs, exceptions outside the block and reserved names', () => {
    expect(problems('network:\n  egress:\n    allow: [{ workloads: [mailer], cidr: 0.0.0.0/0, ports: [443] }]\n')[0]).toMatch(
      /^network\.egress\.allow\[0\]\.workloads\[0\] \(line 3, column 27\): "mailer" is not a service or worker/,
    );
    expect(problems('network:\n  egress:\n    allow: [{ workloads: [backend], cidr: 10.0.0.0, ports: [443] }]\n')[0]).toMatch(/cidr .*must be a CIDR block/);
    expect(problems('network:\n  egress:\n    allow: [{ workloads: [backend], cidr: 10.0.0.0/8, except: [192.168.0.0/16], ports: [443] }]\n')[0]).toMatch(
      /except\[0\] .*: must lie inside cidr 10\.0\.0\.0\/8/,
    );
    expect(problems('workers:\n  default-deny:\n    image: { repository: a/b, tag: "1" }\n')[0]).toMatch(/^workers\.default-deny .*name of a NetworkPolicy/);
    expect(problems('network:\n  prometheus: { namespaceSelector: { "bad key!": x } }\n')[0]).toMatch(/must be a label key/);
  });
});

describe('policy derivation', () => {
  const env = (yamlText = '') => environmentContext('t', configFromYaml(`tier: prod\n${yamlText}`));
  const web: PodGroup = { namespace: 'webapp-t', name: 'web', selector: { app: 'web' } };
  const db: PodGroup = { namespace: 'webapp-t', name: 'db', selector: { app: 'db' } };
  const shipper: PodGroup = { namespace: 'logs', name: 'shipper', selector: { app: 'shipper' } };
  const monitoring = { namespaceSelector: { 'kubernetes.io/metadata.name': 'monitoring' } };
  const policiesOf = (flows: Flow[], yamlText = '') =>
    Object.fromEntries(policiesFromFlows(env(yamlText), ['webapp-t'], [web, db, shipper], flows).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.spec]));

  it('writes one rule per set of ports, listing every peer allowed on exactly those ports', () => {
    const policies = policiesOf([
      { from: { group: groupId(web) }, to: { group: groupId(db) }, ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: monitoring, to: { group: groupId(db) }, ports: [{ port: 9187, protocol: 'TCP' }] },
      { from: monitoring, to: { group: groupId(db) }, ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: { group: groupId(shipper) }, to: { group: groupId(db) }, ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
    expect(policies['webapp-t/db'].ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { app: 'web' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logs' } }, podSelector: { matchLabels: { app: 'shipper' } } },
        ],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: monitoring.namespaceSelector } }],
        ports: [
          { protocol: 'TCP', port: 5432 },
          { protocol: 'TCP', port: 9187 },
        ],
      },
    ]);
    expect(policies['webapp-t/db'].policyTypes).toEqual(['Ingress']);
    expect(policies['webapp-t/web'].egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(policies['logs/shipper'].policyTypes).toEqual(['Egress']);
  });

  it('emits egress rules and the DNS policy only when egress is restricted', () => {
    const flows: Flow[] = [{ from: { group: groupId(web) }, to: { group: groupId(db) }, ports: [{ port: 5432, protocol: 'TCP' }] }];
    expect(Object.keys(policiesOf(flows))).toEqual(['webapp-t/default-deny', 'webapp-t/allow-dns', 'webapp-t/web', 'webapp-t/db']);
    const open = policiesOf(flows, 'network: { egress: { restrict: false } }');
    expect(Object.keys(open)).toEqual(['webapp-t/default-deny', 'webapp-t/db']);
    expect(open['webapp-t/default-deny']).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('recognises metrics ports by name', () => {
    expect(['metrics', 'http-metrics', 'http', 'metricsx', undefined].map(isMetricsPortName)).toEqual([true, true, false, false, false]);
  });
});
