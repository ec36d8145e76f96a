/**
 * Declared traffic: what a workload `calls`. A call names another workload of the environment
 * ("postgres", "chain-node:8545", "dns:53/UDP"), a datastore ("mongodb"), a host outside the
 * cluster ("api.stripe.com:443") or addresses ("10.20.0.0/16:5432", "[2001:db8::/32]:443"). The
 * NetworkPolicies of both ends follow from it (charts/security/policies.ts): egress from the caller,
 * ingress on the callee, so no in-cluster call ever needs `network.policies: false`.
 *
 * Pure functions of the config. Like config/network.ts this module reads the config through
 * structural types, so that config/schema.ts can import it.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from './cidr.js';
import { MONGODB_PORT, names, POSTGRES_PORT, REDIS_PORT, REDIS_SENTINEL_PORT } from './names.js';

type CallProtocol = 'TCP' | 'UDP' | 'SCTP';
const PROTOCOLS: readonly CallProtocol[] = ['TCP', 'UDP', 'SCTP'];

/** A call as written, parsed. */
export type Call =
  | { readonly kind: 'workload'; readonly name: string; readonly port?: number; readonly protocol?: CallProtocol }
  | { readonly kind: 'host'; readonly host: string; readonly port: number; readonly protocol: CallProtocol }
  | { readonly kind: 'addresses'; readonly cidr: string; readonly port: number; readonly protocol: CallProtocol };

const WORKLOAD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
/** "<target>[:<port>[/<protocol>]]"; an IPv6 target is bracketed: "[2001:db8::/32]:443". */
const CALL = /^(?<target>\[[^\]]*\]|[^:[\]/\s]+(?:\/[0-9]+)?)(?::(?<port>[0-9]+)(?:\/(?<protocol>[A-Za-z]+))?)?$/;

const EXAMPLES = '"postgres", "chain-node:8545", "api.example.com:443" or "10.0.0.0/8:5432"';

/** The call `text` stands for, or what is wrong with it. */
export function parseCall(text: string): Call | { readonly error: string } {
  const match = CALL.exec(text);
  if (!match?.groups) return { error: `must be a call such as ${EXAMPLES}` };
  const { target, port: portText, protocol: protocolText } = match.groups;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) return { error: `port ${portText} is not a port: 1 to 65535` };
  const protocol = protocolText?.toUpperCase() as CallProtocol | undefined;
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) return { error: `"${protocolText}" is not a protocol: TCP, UDP or SCTP` };
  if (WORKLOAD_NAME.test(target)) return { kind: 'workload', name: target, ...(port === undefined ? {} : { port }), ...(protocol ? { protocol } : {}) };
  const outside = target.startsWith('[') ? target.slice(1, -1) : target;
  const isAddress = outside.includes('/') || isIP(outside) !== 0;
  if (isAddress) {
    const cidr = outside.includes('/') ? outside : `${outside}/${isIP(outside) === 6 ? 128 : 32}`;
    if (!parseCidr(cidr)) return { error: `"${target}" is not an address or CIDR block such as "10.0.0.0/8" or "[2001:db8::/32]"` };
    if (port === undefined) return { error: `a call to addresses outside the cluster names its port, e.g. "${target}:443"` };
    return { kind: 'addresses', cidr, port, protocol: protocol ?? 'TCP' };
  }
  if (HOST_NAME.test(target)) {
    if (port === undefined) return { error: `a call to a host outside the cluster names its port, e.g. "${target}:443"` };
    return { kind: 'host', host: target, port, protocol: protocol ?? 'TCP' };
  }
  return { error: `must be a call such as ${EXAMPLES}: "${target}" is neither a workload name, a host name nor an address` };
}

export const callsSchema = z
  .array(
    z.string().superRefine((text, ctx) => {
      const call = parseCall(text);
      if ('error' in call) ctx.addIssue({ code: 'custom', message: call.error });
    }),
  )
  .default([])
  .describe(
    'What this workload connects to; NetworkPolicies allow exactly that, egress here and ingress at the other end. "<workload>" (all its ports) or "<workload>:<port>[/UDP]" (a service, worker or datastore of the environment, e.g. "postgres", "chain-node:8545"; a port is its container or its Service port), "<host>:<port>" (outside the cluster: any public address on that port, as NetworkPolicies cannot name hosts), "<cidr>:<port>" ("10.20.0.0/16:5432", "[2001:db8::/32]:443"). A call to a workload disabled in this environment is left out.',
  );

/**
 * Addresses no public host has: private (RFC 1918, RFC 4193), shared (RFC 6598), loopback and
 * link-local ranges, the cluster's pods and Services among them. A call to a host outside the
 * cluster reaches every address but these.
 */
const NON_PUBLIC_RANGES = {
  v4: ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'],
  v6: ['::1/128', 'fc00::/7', 'fe80::/10'],
} as const;

/** Every public address, IPv4 and IPv6: where a host outside the cluster may be (NetworkPolicies cannot name hosts). */
export function publicAddresses(): { readonly cidr: string; readonly except: readonly string[] }[] {
  return [
    { cidr: '0.0.0.0/0', except: NON_PUBLIC_RANGES.v4 },
    { cidr: '::/0', except: NON_PUBLIC_RANGES.v6 },
  ];
}

/** A port a workload listens on, as calls see it. */
interface ServedPort {
  /** The container port: what NetworkPolicies match. */
  readonly port: number;
  /** The port of its Service, when it has one and it differs. */
  readonly servicePort?: number;
  readonly protocol: CallProtocol;
}

/** The parts of a workload the calls read (structural: this module does not import schema.ts). */
interface CallingWorkload {
  readonly enabled: boolean;
  readonly calls: readonly string[];
  readonly port?: number;
  readonly servicePort?: number;
  /** Extra ports (issue 15's workload shapes), when the schema has them. */
  readonly ports?: Readonly<Record<string, { readonly port: number; readonly protocol?: string; readonly servicePort?: number }>>;
}

interface CallingConfig {
  readonly services: Readonly<Record<string, CallingWorkload>>;
  readonly workers: Readonly<Record<string, CallingWorkload>>;
  readonly mongodb: { readonly enabled: boolean };
  readonly redis: { readonly enabled: boolean; readonly replicas: number; readonly sentinel: { readonly enabled: boolean } };
  /** The built-in PostgreSQL: its names are targets only when it is enabled (else a workload may take them). */
  readonly postgres: { readonly enabled: boolean; readonly replicas: number };
}

interface Target {
  readonly what: string;
  readonly enabled: boolean;
  readonly ports: readonly ServedPort[];
}

/** The ports a workload serves: a web service's http port (and its Service port), then its extra ports. */
function servedPorts(workload: CallingWorkload): ServedPort[] {
  const ports: ServedPort[] = [];
  if (workload.port !== undefined) {
    ports.push({
      port: workload.port,
      ...(workload.servicePort !== undefined && workload.servicePort !== workload.port ? { servicePort: workload.servicePort } : {}),
      protocol: 'TCP',
    });
  }
  for (const extra of Object.values(workload.ports ?? {})) {
    const servicePort = workload.port !== undefined ? (extra.servicePort ?? extra.port) : undefined;
    ports.push({ port: extra.port, ...(servicePort !== undefined && servicePort !== extra.port ? { servicePort } : {}), protocol: (extra.protocol ?? 'TCP') as CallProtocol });
  }
  return ports;
}

function targetsOf(config: CallingConfig): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const [name, s] of Object.entries(config.services)) targets.set(name, { what: `service "${name}"`, enabled: s.enabled, ports: servedPorts(s) });
  for (const [name, w] of Object.entries(config.workers)) targets.set(name, { what: `worker "${name}"`, enabled: w.enabled, ports: servedPorts(w) });
  targets.set(names.mongodb, { what: 'MongoDB', enabled: config.mongodb.enabled, ports: [{ port: MONGODB_PORT, protocol: 'TCP' }] });
  targets.set(names.redis, { what: 'Redis', enabled: config.redis.enabled, ports: [{ port: REDIS_PORT, protocol: 'TCP' }] });
  if (config.redis.replicas > 0) targets.set(names.redisRead, { what: 'the Redis replicas', enabled: config.redis.enabled, ports: [{ port: REDIS_PORT, protocol: 'TCP' }] });
  if (config.redis.replicas > 0 && config.redis.sentinel.enabled) {
    targets.set(names.redisSentinel, { what: 'the Redis Sentinels', enabled: config.redis.enabled, ports: [{ port: REDIS_SENTINEL_PORT, protocol: 'TCP' }] });
  }
  if (config.postgres.enabled) {
    targets.set(names.postgres, { what: 'PostgreSQL', enabled: true, ports: [{ port: POSTGRES_PORT, protocol: 'TCP' }] });
    if (config.postgres.replicas > 0) targets.set(names.postgresRead, { what: 'the PostgreSQL read replicas', enabled: true, ports: [{ port: POSTGRES_PORT, protocol: 'TCP' }] });
  }
  return targets;
}

/** One allowed connection: from a workload to a workload (or datastore), or to addresses outside the cluster. */
export interface CallFlow {
  readonly from: string;
  readonly to: { readonly workload: string } | { readonly cidr: string; readonly except: readonly string[] };
  readonly ports: readonly { readonly port: number; readonly protocol: CallProtocol }[];
}

export interface CallIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

const describePort = (p: ServedPort) => `${p.port}/${p.protocol}${p.servicePort !== undefined ? ` (Service port ${p.servicePort})` : ''}`;

/** The flows the enabled workloads' calls allow, and what is wrong with the calls (a name that is no workload, a port it does not serve). */
export function resolveCalls(config: CallingConfig): { flows: CallFlow[]; issues: CallIssue[] } {
  const targets = targetsOf(config);
  const flows: CallFlow[] = [];
  const issues: CallIssue[] = [];
  for (const [section, workloads] of [
    ['services', config.services],
    ['workers', config.workers],
  ] as const) {
    for (const [from, workload] of Object.entries(workloads)) {
      workload.calls.forEach((text, i) => {
        const call = parseCall(text);
        if ('error' in call) return; // the schema reports it
        const issue = (message: string) => issues.push({ path: [section, from, 'calls', i], message });
        if (call.kind === 'host') {
          for (const to of publicAddresses()) flows.push({ from, to, ports: [{ port: call.port, protocol: call.protocol }] });
          return;
        }
        if (call.kind === 'addresses') {
          flows.push({ from, to: { cidr: call.cidr, except: [] }, ports: [{ port: call.port, protocol: call.protocol }] });
          return;
        }
        const target = targets.get(call.name);
        if (!target) {
          const known = [...targets.keys()].join(', ');
          issue(`"${call.name}" is no service, worker or datastore of this environment (${known}); a host outside the cluster has a dot and a port, e.g. "api.example.com:443"`);
          return;
        }
        if (target.ports.length === 0) {
          issue(`${target.what} serves no port to call: declare its ports (workers.${call.name}.ports)`);
          return;
        }
        const matching = target.ports.filter(
          (p) => (call.port === undefined || p.port === call.port || p.servicePort === call.port) && (call.protocol === undefined || p.protocol === call.protocol),
        );
        if (matching.length === 0) {
          const asked = `${call.port ?? ''}${call.protocol ? `/${call.protocol}` : ''}`;
          issue(`${target.what} serves no port ${asked} (its ports: ${target.ports.map(describePort).join(', ')})`);
          return;
        }
        if (!workload.enabled || !target.enabled) return;
        flows.push({ from, to: { workload: call.name }, ports: matching.map((p) => ({ port: p.port, protocol: p.protocol })) });
      });
    }
  }
  return { flows, issues };
}
