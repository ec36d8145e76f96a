/**
 * Redis as the manifests run it, against real redis-server 7 processes (Debian's redis-server
 * package) on loopback: the containers' own commands, arguments and variables, with host names and
 * ports pointed at local servers. A standalone server with its maxmemory share and eviction policy;
 * a primary, a replica and three Sentinels that fail over when the primary dies, and the old primary
 * coming back as a replica of the new one. Also the objects: Services, NetworkPolicies, connection
 * variables, the policy report, and the start scripts through shellcheck.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_REPLICATION_SCRIPT, REDIS_STANDALONE_SCRIPT, SENTINEL_START_SCRIPT } from '../charts/datastores/redis-scripts.js';
import { bytesOf } from '../config/quantity.js';
import { checkObjects, formatViolations } from '../policy/index.js';
import { configFromYaml, findAll, objectsOf, renderYaml } from './helpers.js';
import { freePorts, removeTempDir, runAs, startAs, stop, subDirFor, tempDirFor, waitFor } from './datastore-servers.js';

const NS = 'webapp-test';
const fqdn = (pod: string, headless: string) => `${pod}.${headless}.${NS}.svc.cluster.local`;
const YAML = `redis:
  replicas: 1
  sentinel:
    enabled: true
    downAfterSeconds: 1
    failoverTimeoutSeconds: 10
services:
  backend:
    uses: [mongodb, redis]
`;
const env = renderYaml(YAML);
const byName = (rendered: typeof env, kind: string, name: string) => findAll(rendered, kind).find((o) => o.metadata.name === name);
const container = (rendered: typeof env, statefulSet: string) => byName(rendered, 'StatefulSet', statefulSet).spec.template.spec.containers[0];

describe('Redis objects', () => {
  it('runs a primary, a StatefulSet of replicas and one of Sentinels, with their Services', () => {
    expect(byName(env, 'StatefulSet', 'redis').spec.replicas).toBe(1);
    expect(byName(env, 'StatefulSet', 'redis-read').spec.replicas).toBe(1);
    expect(byName(env, 'StatefulSet', 'redis-sentinel').spec.replicas).toBe(3);
    // Sentinels keep no data: no claim.
    expect(byName(env, 'StatefulSet', 'redis-sentinel').spec.volumeClaimTemplates).toBeUndefined();
    expect(byName(env, 'Service', 'redis-read').spec.selector['app.kubernetes.io/name']).toBe('redis-read');
    expect(byName(env, 'Service', 'redis-sentinel').spec.ports[0].port).toBe(26379);
    expect(byName(env, 'Service', 'redis-sentinel-headless').spec.clusterIP).toBe('None');
    expect(byName(env, 'PodDisruptionBudget', 'redis-sentinel').spec.maxUnavailable).toBe(1);
  });

  it('points replicas at the primary pod by its stable DNS name and gives Sentinel the quorum', () => {
    const replica = Object.fromEntries(container(env, 'redis-read').env.map((e: any) => [e.name, e.value]));
    expect(replica.PRIMARY_HOST).toBe(fqdn('redis-0', 'redis-headless'));
    expect(replica.ANNOUNCE_HOST).toBe(`$(POD_NAME).redis-read-headless.${NS}.svc.cluster.local`);
    const sentinel = Object.fromEntries(container(env, 'redis-sentinel').env.map((e: any) => [e.name, e.value]));
    expect(sentinel.QUORUM).toBe('2');
    expect(sentinel.SENTINEL_MASTER).toBe('mymaster');
    expect(sentinel.DATA_HOSTS).toBe(`${fqdn('redis-0', 'redis-headless')}:6379 ${fqdn('redis-read-0', 'redis-read-headless')}:6379`);
    expect(JSON.stringify(env)).not.toMatch(/requirepass [^$]/);
  });

  it('injects the replicas and the Sentinel endpoints into the workloads that use redis', () => {
    const backend = byName(env, 'ConfigMap', 'backend-config').data;
    expect(backend.REDIS_HOST).toBe(`redis.${NS}.svc.cluster.local`);
    expect(backend.REDIS_READ_HOST).toBe(`redis-read.${NS}.svc.cluster.local`);
    expect(backend.REDIS_SENTINEL_HOST).toBe(`redis-sentinel.${NS}.svc.cluster.local`);
    expect(backend.REDIS_SENTINEL_PORT).toBe('26379');
    expect(backend.REDIS_SENTINEL_MASTER).toBe('mymaster');
    expect(backend.REDIS_SENTINEL_HOSTS.split(',')).toEqual([0, 1, 2].map((i) => `${fqdn(`redis-sentinel-${i}`, 'redis-sentinel-headless')}:26379`));
  });

  it('lets the workloads, the replicas and the Sentinels reach what they need, and nothing else', () => {
    const callers = (policy: string, port: number) =>
      byName(env, 'NetworkPolicy', policy)
        .spec.ingress.filter((r: any) => r.ports.some((p: any) => p.port === port))
        .flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']))
        .sort();
    // redis-backup: the backups (from a replica) and the restore (to the primary the Sentinels name).
    expect(callers('redis', 6379)).toEqual(['backend', 'redis', 'redis-backup', 'redis-read', 'redis-sentinel']);
    expect(callers('redis-read', 6379)).toEqual(['backend', 'redis', 'redis-backup', 'redis-read', 'redis-sentinel']);
    expect(callers('redis-sentinel', 26379)).toEqual(['backend', 'redis', 'redis-backup', 'redis-read', 'redis-sentinel']);
  });

  it('without Sentinel, only the replicas reach the primary', () => {
    const plain = renderYaml('redis: { replicas: 2 }\nservices:\n  backend:\n    uses: [redis]\n');
    expect(findAll(plain, 'StatefulSet').map((s) => s.metadata.name)).not.toContain('redis-sentinel');
    const from = byName(plain, 'NetworkPolicy', 'redis').spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name']));
    expect(from).toEqual(expect.arrayContaining(['backend', 'redis-read']));
    expect(byName(plain, 'ConfigMap', 'backend-config').data.REDIS_SENTINEL_HOSTS).toBeUndefined();
    expect(byName(plain, 'PodDisruptionBudget', 'redis-read').spec.maxUnavailable).toBe(1);
  });

  it('passes the policy report', () => {
    const violations = checkObjects(objectsOf(env));
    expect(violations, formatViolations(violations)).toEqual([]);
  });

  it('refuses Sentinel without replicas, a quorum above the Sentinels and a maxmemory above the limit', () => {
    expect(() => configFromYaml('redis:\n  sentinel: { enabled: true }\n')).toThrow(/set redis.replicas to 1 or more/);
    expect(() => configFromYaml('redis:\n  replicas: 1\n  sentinel: { enabled: true, replicas: 3, quorum: 4 }\n')).toThrow(/quorum must not exceed/);
    expect(() => configFromYaml('redis:\n  maxmemory: 1Gi\n')).toThrow(/must not exceed resources.limits.memory \(512Mi\)/);
    expect(() => configFromYaml('redis:\n  maxmemoryPolicy: lru\n')).toThrow(/allkeys-lru/);
  });

  it('passes shellcheck (POSIX sh, as the image runs them)', () => {
    const dir = tempDirFor('redis', 'redis-scripts-');
    const files = Object.entries({ standalone: REDIS_STANDALONE_SCRIPT, replication: REDIS_REPLICATION_SCRIPT, sentinel: SENTINEL_START_SCRIPT }).map(([name, text]) => {
      const file = join(dir, `${name}.sh`);
      writeFileSync(file, text);
      return file;
    });
    const result = spawnSync('shellcheck', ['--shell=sh', ...files], { encoding: 'utf8' });
    removeTempDir(dir);
    expect(result.status, result.stdout).toBe(0);
  });
});

const PASSWORD = 'pw-Redis-7-not-secret';
const cli = (port: number, ...args: string[]) => runAs('redis', 'redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { REDISCLI_AUTH: PASSWORD }).stdout.trim();

/**
 * Added to a data pod's arguments: a replica's full sync starts at once instead of after Redis's
 * default 5 s wait for more replicas to share one diskless transfer (repl-diskless-sync-delay); a
 * matter of time, not of what replication does.
 */
const DATA_POD_TEST_SETTINGS = ['--repl-diskless-sync-delay', '0'];

interface LocalPod {
  readonly port: number;
  child: ReturnType<typeof startAs>;
}

/**
 * Starts a container of the manifests as a local process: its command and arguments, its variables
 * with the Secret's password, the memory limit, and `names` (in-cluster host:port -> local
 * host:port) applied; `/data` and the port become local ones.
 */
function startContainer(c: any, opts: { port: number; dir: string; names: Record<string, string>; extra: Record<string, string>; sentinel?: boolean }): ReturnType<typeof startAs> {
  const local = (value: string) => Object.entries(opts.names).reduce((v, [from, to]) => v.split(from).join(to), value);
  const vars: Record<string, string> = {};
  for (const e of c.env) {
    if (e.valueFrom?.secretKeyRef) vars[e.name] = PASSWORD;
    else if (e.valueFrom?.resourceFieldRef) vars[e.name] = String(bytesOf(c.resources.limits.memory));
    else if (typeof e.value === 'string') vars[e.name] = local(e.value);
  }
  const args = ((c.args ?? []) as string[]).map((a) => (a === '6379' ? String(opts.port) : a === '/data' ? opts.dir : a.replace('$(REDIS_PASSWORD)', PASSWORD)));
  const [shell, flag, script, arg0] = c.command;
  expect([shell, flag]).toEqual(['sh', '-c']);
  // Loopback only (IPv6 too if the machine has it: "localhost" may resolve to ::1).
  const loopback = ['--bind', '127.0.0.1', '-::1', ...(opts.sentinel ? [] : DATA_POD_TEST_SETTINGS)];
  return startAs('redis', 'sh', ['-c', script, arg0, ...args, ...loopback], { ...vars, ...opts.extra });
}

describe('Redis standalone (real server)', () => {
  let dir: string;
  let pod: LocalPod | undefined;
  afterAll(async () => {
    if (pod) await stop(pod.child.child);
    removeTempDir(dir);
  });

  it('sets maxmemory to its share of the memory limit and evicts instead of refusing writes', async () => {
    dir = tempDirFor('redis', 'redis-standalone-');
    const rendered = renderYaml('redis: { maxmemoryPolicy: allkeys-lru }\n');
    const c = container(rendered, 'redis');
    expect(c.command[2]).toBe(REDIS_STANDALONE_SCRIPT);
    const [port] = await freePorts(1);
    pod = { port, child: startContainer(c, { port, dir: subDirFor('redis', dir, 'data'), names: {}, extra: {} }) };
    await waitFor('redis answering', () => cli(port, 'ping') === 'PONG', 60, pod.child.output);
    // 75 % of the 512Mi limit.
    expect(cli(port, 'config', 'get', 'maxmemory').split('\n')[1]).toBe(String((512 * 1024 * 1024 * 75) / 100));
    expect(cli(port, 'config', 'get', 'maxmemory-policy').split('\n')[1]).toBe('allkeys-lru');
    // A full cache evicts: with maxmemory lowered to 4 MB, 10 MB of writes all succeed.
    expect(cli(port, 'config', 'set', 'maxmemory', '4mb')).toBe('OK');
    const value = 'x'.repeat(10_000);
    const commands = Array.from({ length: 1000 }, (_, i) => `SET key:${i} ${value}`).join('\n');
    const piped = runAs('redis', 'redis-cli', ['-h', '127.0.0.1', '-p', String(port)], { REDISCLI_AUTH: PASSWORD }, commands);
    expect(piped.stdout).not.toMatch(/OOM/);
    expect(Number(cli(port, 'dbsize'))).toBeLessThan(1000);
    expect(Number(cli(port, 'info', 'stats').match(/evicted_keys:(\d+)/)?.[1])).toBeGreaterThan(0);
  });
});

describe('Redis primary, replica and Sentinel failover (real servers)', () => {
  let dir: string;
  const pods: Record<string, LocalPod> = {};
  let names: Record<string, string>;
  const data = (pod: string) => subDirFor('redis', dir, pod);

  beforeAll(async () => {
    dir = tempDirFor('redis', 'redis-sentinel-');
    const [primary, replica, s0, s1, s2] = await freePorts(5);
    // The primary gets a host name (resolved like a pod's DNS name), the others loopback addresses.
    names = {
      [`${fqdn('redis-0', 'redis-headless')}:6379`]: `localhost:${primary}`,
      [fqdn('redis-0', 'redis-headless')]: 'localhost',
      [`${fqdn('redis-read-0', 'redis-read-headless')}:6379`]: `127.0.0.1:${replica}`,
      ...Object.fromEntries([s0, s1, s2].map((port, i) => [`${fqdn(`redis-sentinel-${i}`, 'redis-sentinel-headless')}:26379`, `127.0.0.1:${port}`])),
    };
    const dataPod = (name: string, port: number, host: string) => ({
      port,
      child: startContainer(container(env, name === 'redis-0' ? 'redis' : 'redis-read'), {
        port,
        dir: data(name),
        names,
        extra: { ANNOUNCE_HOST: host, REDIS_PORT: String(port), PRIMARY_PORT: String(primary) },
      }),
    });
    pods['redis-0'] = dataPod('redis-0', primary, 'localhost');
    await waitFor('the primary answering', () => cli(primary, 'ping') === 'PONG', 60, pods['redis-0'].child.output);
    pods['redis-read-0'] = dataPod('redis-read-0', replica, '127.0.0.1');
    // Its own answer, not another server's: it has said how it started, then answers.
    await waitFor(
      'the replica answering',
      () => pods['redis-read-0'].child.output().includes('starting as') && cli(replica, 'ping') === 'PONG',
      60,
      pods['redis-read-0'].child.output,
    );
    [s0, s1, s2].forEach((port, i) => {
      pods[`sentinel-${i}`] = {
        port,
        child: startContainer(container(env, 'redis-sentinel'), {
          port,
          dir,
          names,
          extra: { ANNOUNCE_HOST: '127.0.0.1', SENTINEL_PORT: String(port), SENTINEL_DIR: data(`sentinel-${i}`), PRIMARY_PORT: String(primary) },
          sentinel: true,
        }),
      };
    });
  });

  afterAll(async () => {
    await Promise.all(Object.values(pods).map((p) => stop(p.child.child)));
    removeTempDir(dir);
  });

  const masterOf = (sentinel: LocalPod) => cli(sentinel.port, 'sentinel', 'get-master-addr-by-name', 'mymaster').split('\n').join(':');

  it('replicates the primary to the replica', async () => {
    const primary = pods['redis-0'];
    const replica = pods['redis-read-0'];
    expect(replica.child.output()).toMatch(`starting as a replica of localhost:${primary.port}`);
    expect(cli(primary.port, 'set', 'order:1', 'pizza')).toBe('OK');
    await waitFor('the key on the replica', () => cli(replica.port, 'get', 'order:1') === 'pizza', 60, replica.child.output);
    expect(cli(replica.port, 'info', 'replication')).toMatch(/role:slave/);
    expect(cli(replica.port, 'set', 'x', 'y')).toMatch(/READONLY/);
  });

  it('has the Sentinels agree on the primary and find each other and the replica', async () => {
    const sentinels = [0, 1, 2].map((i) => pods[`sentinel-${i}`]);
    await waitFor(
      'every Sentinel answering',
      () => sentinels.every((s) => cli(s.port, 'ping') === 'PONG'),
      60,
      () => sentinels.map((s) => s.child.output()).join('\n'),
    );
    for (const s of sentinels) expect(masterOf(s)).toBe(`localhost:${pods['redis-0'].port}`);
    await waitFor(
      'the Sentinels knowing each other and the replica',
      () =>
        sentinels.every(
          (s) => /num-other-sentinels\n2\n/.test(cli(s.port, 'sentinel', 'master', 'mymaster')) && /num-slaves\n1\n/.test(cli(s.port, 'sentinel', 'master', 'mymaster')),
        ),
      60,
      () => cli(sentinels[0].port, 'sentinel', 'master', 'mymaster'),
    );
    // Without the password a Sentinel answers nothing.
    expect(runAs('redis', 'redis-cli', ['-h', '127.0.0.1', '-p', String(sentinels[0].port), 'ping'], {}).stdout).toMatch(/NOAUTH/);
  });

  it('fails over to the replica when the primary dies, and the old primary comes back as its replica', async () => {
    const primary = pods['redis-0'];
    const replica = pods['redis-read-0'];
    const sentinels = [0, 1, 2].map((i) => pods[`sentinel-${i}`]);
    // Kill the server itself, by the process id it reports, as a crash would.
    const started = Date.now();
    process.kill(Number(cli(primary.port, 'info', 'server').match(/process_id:(\d+)/)?.[1]), 'SIGKILL');
    await stop(primary.child.child);
    await waitFor(
      'the Sentinels promoting the replica',
      () => sentinels.every((s) => masterOf(s) === `127.0.0.1:${replica.port}`),
      120,
      () => sentinels.map((s) => s.child.output()).join('\n'),
    );
    const failoverSeconds = (Date.now() - started) / 1000;
    console.log(`Sentinel failover: the replica was promoted ${failoverSeconds.toFixed(1)} s after the primary died (down-after 1 s)`);
    expect(cli(replica.port, 'info', 'replication')).toMatch(/role:master/);
    expect(cli(replica.port, 'get', 'order:1')).toBe('pizza');
    expect(cli(replica.port, 'set', 'order:2', 'pasta')).toBe('OK');

    // The old primary restarts with the same command: it asks the Sentinels and follows the new primary.
    primary.child = startContainer(container(env, 'redis'), {
      port: primary.port,
      dir: data('redis-0'),
      names,
      extra: { ANNOUNCE_HOST: 'localhost', REDIS_PORT: String(primary.port), PRIMARY_PORT: String(primary.port) },
    });
    await waitFor('the old primary answering', () => cli(primary.port, 'ping') === 'PONG', 60, primary.child.output);
    expect(primary.child.output()).toMatch(`starting as a replica of 127.0.0.1:${replica.port}`);
    await waitFor('the new key on the old primary', () => cli(primary.port, 'get', 'order:2') === 'pasta', 60, primary.child.output);
    expect(cli(primary.port, 'info', 'replication')).toMatch(/role:slave/);
  });
});
