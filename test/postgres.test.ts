/**
 * PostgreSQL as the manifests run it, against real servers (Debian's postgresql package): the
 * primary with the StatefulSet's settings and the ConfigMap's pg_hba.conf, and a read replica
 * started by exactly the replica StatefulSet's command (pg_basebackup, then WAL streaming).
 * Also the objects: Services, NetworkPolicies, connection variables, policy report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_PGDATA } from '../charts/datastores/postgres.js';
import { POSTGRES_CONFIG_DIR } from '../charts/datastores/postgres-scripts.js';
import { checkObjects, formatViolations } from '../policy/index.js';
import { configFromYaml, findAll, objectsOf, renderYaml } from './helpers.js';
import {
  freePorts,
  POSTGRES_USER,
  postgresBinDir,
  type PostgresServer,
  runAs,
  startAs,
  startPostgres,
  stop,
  subDirFor,
  tempDirFor,
  removeTempDir,
  waitFor,
} from './datastore-servers.js';

const YAML = `postgres:
  enabled: true
  replicas: 2
services:
  backend:
    uses: [mongodb, redis, postgres]
workers:
  reports:
    image: { repository: example/reports, tag: "1.0.0" }
    uses: [postgres-read]
`;
const env = renderYaml(YAML);
const byName = (kind: string, name: string) => findAll(env, kind).find((o) => o.metadata.name === name);
const container = (statefulSet: string) => byName('StatefulSet', statefulSet).spec.template.spec.containers[0];

describe('PostgreSQL objects', () => {
  it('runs a primary and a StatefulSet of read replicas, each with a headless and a client Service', () => {
    expect(byName('StatefulSet', 'postgres').spec.replicas).toBe(1);
    expect(byName('StatefulSet', 'postgres-read').spec.replicas).toBe(2);
    expect(byName('Service', 'postgres-headless').spec.clusterIP).toBe('None');
    expect(byName('Service', 'postgres-read-headless').spec.clusterIP).toBe('None');
    // The -read Service selects the replicas only, the client Service the primary only.
    expect(byName('Service', 'postgres-read').spec.selector['app.kubernetes.io/name']).toBe('postgres-read');
    expect(byName('Service', 'postgres').spec.selector['app.kubernetes.io/name']).toBe('postgres');
    expect(findAll(env, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(expect.arrayContaining(['postgres', 'postgres-read']));
  });

  it('takes credentials only from the Secret and probes with pg_isready', () => {
    const primary = container('postgres');
    expect(primary.env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-auth', key: 'password' });
    expect(primary.readinessProbe.exec.command.join(' ')).toContain('pg_isready');
    const replica = container('postgres-read');
    expect(replica.env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-auth', key: 'password' });
    expect(JSON.stringify(env)).not.toMatch(/password=/i);
  });

  it('injects the primary for `postgres` and the replicas for `postgres-read`', () => {
    const backend = byName('ConfigMap', 'backend-config').data;
    expect(backend.POSTGRES_HOST).toBe('postgres.webapp-test.svc.cluster.local');
    expect(backend.POSTGRES_DATABASE).toBe('app');
    const reports = byName('ConfigMap', 'reports-config').data;
    expect(reports.POSTGRES_READ_HOST).toBe('postgres-read.webapp-test.svc.cluster.local');
    expect(reports.POSTGRES_HOST).toBeUndefined();
    const reportsEnv = byName('Deployment', 'reports').spec.template.spec.containers[0].env;
    expect(reportsEnv.find((e: any) => e.name === 'POSTGRES_READ_URL').value).toBe(
      'postgresql://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@postgres-read.webapp-test.svc.cluster.local:5432/app',
    );
  });

  it('reads from the primary when there are no replicas', () => {
    const single = renderYaml('postgres: { enabled: true }\nservices:\n  backend:\n    uses: [postgres-read]\n');
    expect(findAll(single, 'StatefulSet').map((s) => s.metadata.name)).not.toContain('postgres-read');
    expect(findAll(single, 'ConfigMap').find((c) => c.metadata.name === 'backend-config').data.POSTGRES_READ_HOST).toBe('postgres.webapp-test.svc.cluster.local');
  });

  it('lets only the declared callers, the replicas and the backup job reach PostgreSQL', () => {
    const policy = (name: string) => byName('NetworkPolicy', name).spec.ingress;
    const callers = (name: string) =>
      policy(name)
        .filter((r: any) => r.ports.some((p: any) => p.port === 5432))
        .flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']))
        .sort();
    expect(callers('postgres')).toEqual(['backend', 'postgres-backup', 'postgres-read']);
    expect(callers('postgres-read')).toEqual(['reports']);
  });

  it('passes the policy report', () => {
    const violations = checkObjects(objectsOf(env));
    expect(violations, formatViolations(violations)).toEqual([]);
  });

  it('refuses an image older than PostgreSQL 15', () => {
    expect(() => configFromYaml('postgres:\n  enabled: true\n  image: { repository: library/postgres, tag: "14.9" }\n')).toThrow(/PostgreSQL 15 or newer/);
    expect(() => configFromYaml('services:\n  backend:\n    uses: [postgres-read]\n')).toThrow(/uses "postgres" but postgres.enabled is false/);
  });
});

describe('PostgreSQL primary and a pg_basebackup replica (real servers)', () => {
  const superuser = 'app_admin';
  const password = 'pw-4Rt9-not-secret';
  let dir: string;
  let primary: PostgresServer;
  let replica: ReturnType<typeof startAs> | undefined;
  let replicaPort: number;
  /** The manifests' settings, with the ConfigMap's pg_hba.conf at a local path. */
  let settings: string[];

  beforeAll(async () => {
    dir = tempDirFor(POSTGRES_USER, 'pg-replication-');
    const hba = join(subDirFor(POSTGRES_USER, dir, 'config'), 'pg_hba.conf');
    writeFileSync(hba, byName('ConfigMap', 'postgres').data['pg_hba.conf']);
    const toLocal = (args: string[]) => args.map((a) => a.replace(`${POSTGRES_CONFIG_DIR}/pg_hba.conf`, hba));
    const primaryArgs: string[] = container('postgres').args;
    expect(primaryArgs[0]).toBe('postgres');
    settings = toLocal(primaryArgs.slice(1));
    primary = await startPostgres({ dir, superuser, password, settings });
    primary.sql('CREATE DATABASE app');
    primary.sql('CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT g, $$item $$ || g FROM generate_series(1, 1000) g', 'app');
  });

  afterAll(async () => {
    if (replica) await stop(replica.child);
    if (primary) await stop(primary.child);
    removeTempDir(dir);
  });

  it('refuses a TCP connection without the password (scram-sha-256)', () => {
    const bin = postgresBinDir();
    const wrong = runAs(POSTGRES_USER, join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', superuser, '-d', 'app', '-c', 'select 1'], { PGPASSWORD: 'wrong' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed/);
  });

  it('bootstraps a replica with the StatefulSet command and streams new writes to it', async () => {
    const replicaContainer = container('postgres-read');
    const [shell, flag, script, arg0] = replicaContainer.command;
    expect([shell, flag, arg0]).toEqual(['bash', '-c', 'replica']);
    const replicaRoot = subDirFor(POSTGRES_USER, dir, 'replica');
    const socketDir = subDirFor(POSTGRES_USER, replicaRoot, 'run');
    [replicaPort] = await freePorts(1);
    const envFromManifest = Object.fromEntries(replicaContainer.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(envFromManifest.PGDATA).toBe(POSTGRES_PGDATA);
    replica = startAs(
      POSTGRES_USER,
      'bash',
      ['-c', script, arg0, ...settings, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${replicaPort}`, '-c', `unix_socket_directories=${socketDir}`],
      {
        // The manifest's variables, pointed at the local primary.
        PGDATA: join(replicaRoot, 'pgdata'),
        PRIMARY_HOST: '127.0.0.1',
        PRIMARY_PORT: String(primary.port),
        POSTGRES_USER: superuser,
        PGPASSWORD: password,
        HOSTNAME: 'postgres-read-0',
        PATH: `${postgresBinDir()}:${process.env.PATH}`,
      },
    );
    const bin = postgresBinDir();
    const onReplica = (query: string) =>
      runAs(POSTGRES_USER, join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(replicaPort), '-U', superuser, '-d', 'app', '-Atq', '-c', query], { PGPASSWORD: password });
    await waitFor('the replica answering queries', () => onReplica('select 1').code === 0, 180, replica.output);
    expect(onReplica('select pg_is_in_recovery()').stdout.trim()).toBe('t');
    expect(onReplica('select count(*) from orders').stdout.trim()).toBe('1000');

    primary.sql('INSERT INTO orders SELECT g, $$late $$ || g FROM generate_series(1001, 1500) g', 'app');
    await waitFor('the new rows replicated', () => onReplica('select count(*) from orders').stdout.trim() === '1500', 60, replica.output);
    expect(primary.sql("select application_name || ' ' || state from pg_stat_replication")).toBe('postgres-read-0 streaming');
    // A hot standby is read-only.
    expect(onReplica('INSERT INTO orders VALUES (9999, $$x$$)').stderr).toMatch(/read-only transaction/);
  });

  it('starts again from its own data without a new base backup', async () => {
    if (!replica) throw new Error('no replica');
    await stop(replica.child);
    const restarted = startAs(POSTGRES_USER, 'bash', replica.child.spawnargs.slice(replica.child.spawnargs.indexOf('bash') + 1), {
      PGDATA: join(dir, 'replica', 'pgdata'),
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: String(primary.port),
      POSTGRES_USER: superuser,
      PGPASSWORD: password,
      HOSTNAME: 'postgres-read-0',
      PATH: `${postgresBinDir()}:${process.env.PATH}`,
    });
    replica = restarted;
    const bin = postgresBinDir();
    await waitFor(
      'the restarted replica answering',
      () => runAs(POSTGRES_USER, join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(replicaPort)]).code === 0,
      120,
      restarted.output,
    );
    expect(restarted.output()).not.toMatch(/pg_basebackup/);
  });
});
