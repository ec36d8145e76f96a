/**
 * Backups of the datastores: the objects (CronJobs, claims, the claim-binding Job, NetworkPolicies,
 * Pod Security), the RPO alert under promtool, the schedule arithmetic, and the generated scripts
 * run against real servers: PostgreSQL and Redis from Debian's packages on loopback, rclone with a
 * local remote, retention with faked file dates. MongoDB has no server package here: its script is
 * checked by shellcheck and has the same structure.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOWNLOAD_SCRIPT,
  MONGODB_BACKUP_SCRIPT,
  MONGODB_RESTORE_SCRIPT,
  POSTGRES_BACKUP_SCRIPT,
  POSTGRES_RESTORE_SCRIPT,
  REDIS_BACKUP_SCRIPT,
  REDIS_RESTORE_SCRIPT,
  UPLOAD_SCRIPT,
} from '../charts/datastores/backup-scripts.js';
import { HOOK_ANNOTATION, SYNC_WAVE_ANNOTATION } from '../charts/argocd-annotations.js';
import { longestGapMinutes, parseCron } from '../config/cron.js';
import { environmentAlertGroups } from '../observability/alerts.js';
import { checkObjects, formatViolations } from '../policy/index.js';
import { configFromYaml, findAll, objectsOf, renderYaml } from './helpers.js';
import {
  freePorts,
  POSTGRES_USER,
  postgresBinDir,
  type PostgresServer,
  removeTempDir,
  runAs,
  startAs,
  startPostgres,
  stop,
  subDirFor,
  tempDirFor,
  waitFor,
} from './datastore-servers.js';
import { testRuleSuites, type ToolResult } from './tools.js';

const NS = 'webapp-test';
const UPLOAD = `backup:
  upload: { enabled: true, remote: "objects:backups/webapp" }
postgres: { enabled: true }
`;
const env = renderYaml(UPLOAD);
const byName = (rendered: typeof env, kind: string, name: string) => findAll(rendered, kind).find((o) => o.metadata.name === name);
const cronJob = (rendered: typeof env, name: string) => byName(rendered, 'CronJob', name);
const podSpec = (rendered: typeof env, name: string) => cronJob(rendered, name).spec.jobTemplate.spec.template.spec;
/** The backup container of a CronJob (an init container when an upload follows). */
const backupContainer = (rendered: typeof env, name: string) =>
  [...(podSpec(rendered, name).initContainers ?? []), ...podSpec(rendered, name).containers].find((c: any) => c.name === 'backup');
/** The restore Job of a datastore, from dist/<env>/restore/ (not in kustomization.yaml). */
const restoreJob = (rendered: typeof env, store: string) => rendered.unlisted?.find((f) => f.name === `restore/${store}.yaml`)?.objects[0] as any;
const restoreContainer = (rendered: typeof env, store: string, name = 'restore') =>
  [...(restoreJob(rendered, store).spec.template.spec.initContainers ?? []), ...restoreJob(rendered, store).spec.template.spec.containers].find((c: any) => c.name === name);

describe('backup objects', () => {
  it('backs up every enabled datastore on the schedule, one run at a time, with deadlines and history limits', () => {
    expect(
      findAll(env, 'CronJob')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual(['mongodb-backup', 'postgres-backup', 'redis-backup']);
    const spec = cronJob(env, 'postgres-backup').spec;
    expect(spec).toMatchObject({
      schedule: '0 */6 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 900,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600 });
    expect(backupContainer(env, 'postgres-backup').image).toBe('docker.io/library/postgres:15');
    expect(backupContainer(env, 'redis-backup').env.find((e: any) => e.name === 'REDISCLI_AUTH').valueFrom.secretKeyRef).toEqual({ name: 'redis-auth', key: 'password' });
  });

  it('is on by default in staging and prod and off in dev', () => {
    expect(findAll(renderYaml('tier: dev\n'), 'CronJob')).toEqual([]);
    expect(findAll(renderYaml('tier: staging\n'), 'CronJob').map((c) => c.metadata.name)).toEqual(['mongodb-backup', 'redis-backup']);
    expect(findAll(renderYaml('tier: dev\nbackup: { enabled: true }\n'), 'CronJob')).toHaveLength(2);
    expect(findAll(renderYaml('backup: { enabled: false }\n'), 'CronJob')).toEqual([]);
  });

  it('uploads only after the verified dump: the dump is an init container, rclone the container, its config from the Secret', () => {
    const spec = podSpec(env, 'mongodb-backup');
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['backup']);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['upload']);
    const upload = spec.containers[0];
    expect(upload.image).toBe('docker.io/rclone/rclone:1.68.2');
    expect(upload.env.find((e: any) => e.name === 'REMOTE').value).toBe('objects:backups/webapp/mongodb');
    expect(spec.volumes.find((v: any) => v.name === 'rclone-config').secret.secretName).toBe('backup-rclone');
    // Without upload, the dump is the container.
    const local = renderYaml('tier: staging\n');
    expect(podSpec(local, 'redis-backup').initContainers).toBeUndefined();
    expect(podSpec(local, 'redis-backup').containers.map((c: any) => c.name)).toEqual(['backup']);
  });

  it('binds each backup claim in the last sync wave with a Sync hook Job, so nothing waits for the first backup', () => {
    for (const store of ['mongodb', 'postgres', 'redis']) {
      const claim = byName(env, 'PersistentVolumeClaim', `${store}-backup`);
      const job = byName(env, 'Job', `${store}-backup-volume`);
      const waves = findAll(env, 'CronJob')
        .concat(findAll(env, 'StatefulSet'))
        .map((o) => Number(o.metadata.annotations[SYNC_WAVE_ANNOTATION]));
      expect(Number(claim.metadata.annotations[SYNC_WAVE_ANNOTATION])).toBe(Math.max(...waves));
      expect(job.metadata.annotations[HOOK_ANNOTATION]).toBe('Sync');
      expect(job.metadata.annotations[SYNC_WAVE_ANNOTATION]).toBe(claim.metadata.annotations[SYNC_WAVE_ANNOTATION]);
      expect(job.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    }
    // The MongoDB replica-set init stays a PostSync hook.
    const prod = renderYaml('mongodb: { replicaSet: { enabled: true } }\n');
    expect(byName(prod, 'Job', 'mongodb-rs-init').metadata.annotations[HOOK_ANNOTATION]).toBe('PostSync');
  });

  it('lets the backup pods reach their datastore, and with upload the object storage on 443 only', () => {
    const policy = byName(env, 'NetworkPolicy', 'postgres-backup').spec;
    expect(
      policy.egress.some((r: any) => r.to?.some((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'postgres') && r.ports.some((p: any) => p.port === 5432)),
    ).toBe(true);
    expect(policy.egress.some((r: any) => r.to?.some((t: any) => t.ipBlock?.cidr === '0.0.0.0/0') && r.ports.every((p: any) => p.port === 443))).toBe(true);
    const from = byName(env, 'NetworkPolicy', 'redis').spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name']));
    expect(from).toContain('redis-backup');
    const noUpload = renderYaml('tier: staging\n');
    expect(JSON.stringify(byName(noUpload, 'NetworkPolicy', 'redis-backup').spec.egress)).not.toMatch(/0\.0\.0\.0/);
  });

  it('writes a restore Job per datastore to dist/<env>/restore/, outside kustomization.yaml', () => {
    expect(env.unlisted?.map((f) => f.name)).toEqual(['restore/mongodb.yaml', 'restore/postgres.yaml', 'restore/redis.yaml']);
    expect(env.files.map((f) => f.name).filter((n) => n.startsWith('restore/'))).toEqual([]);
    const job = restoreJob(env, 'postgres');
    expect(job.kind).toBe('Job');
    expect(job.metadata.annotations).toBeUndefined();
    // The same app name as the backup pods: their NetworkPolicy admits the restore.
    expect(job.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('postgres-backup');
    expect(restoreContainer(env, 'postgres').env.find((e: any) => e.name === 'BACKUP_FILE').value).toBe('latest');
    expect(restoreContainer(env, 'postgres', 'download').env.find((e: any) => e.name === 'BACKUP_SOURCE').value).toBe('local');
    expect(restoreContainer(env, 'redis').env.find((e: any) => e.name === 'REDIS_HOST').value).toBe(`redis.${NS}.svc.cluster.local`);
  });

  it('passes the policy report (Pod Security restricted, resources, NetworkPolicies)', () => {
    const violations = checkObjects([...objectsOf(env), ...(env.unlisted ?? []).flatMap((f) => f.objects)]);
    expect(violations, formatViolations(violations)).toEqual([]);
  });

  it('refuses a malformed schedule and an upload without a remote, at the key', () => {
    expect(() => configFromYaml('backup:\n  schedule: "every 6 hours"\n')).toThrow(/backup.schedule.*five fields/s);
    expect(() => configFromYaml('backup:\n  schedule: "0 25 * * *"\n')).toThrow(/hour "25" must lie within 0-23/);
    expect(() => configFromYaml('backup:\n  upload: { enabled: true }\n')).toThrow(/upload.enabled needs upload.remote/);
  });
});

describe('schedule arithmetic (config/cron.ts)', () => {
  it.each([
    ['0 */6 * * *', 360],
    ['30 2 * * *', 1440],
    ['*/15 * * * *', 15],
    ['0 0,12 * * 1-5', 60 * 60],
    ['@daily', 1440],
    ['0 3 * * 0', 7 * 1440],
    ['0 3 1 * *', 31 * 1440],
  ])('%s: at most %i minutes between runs', (schedule, minutes) => {
    expect(longestGapMinutes(schedule)).toBe(minutes);
  });

  it('says what is wrong with a schedule', () => {
    expect(parseCron('0 */6 * *')).toMatch(/five fields/);
    expect(parseCron('0 6 * * MON')).toMatch(/names such as MON are not supported/);
    expect(parseCron('61 * * * *')).toMatch(/minute "61" must lie within 0-59/);
  });
});

describe('RPO alert (promtool test rules)', () => {
  const config = configFromYaml('tier: prod\n');
  const groups = environmentAlertGroups(config, NS);
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === 'BackupTooOld')!;
  const series = (metric: string, cronjob: string, values: string) => ({ series: `${metric}{namespace="${NS}",cronjob="${cronjob}"}`, values });
  const firing = (cronjob: string, age: string) => [
    {
      exp_labels: { ...rule.labels, cronjob },
      exp_annotations: Object.fromEntries(
        Object.entries(rule.annotations).map(([k, text]) => [
          k,
          text.replaceAll('{{ $labels.cronjob }}', cronjob).replaceAll('{{ $labels.namespace }}', NS).replaceAll('{{ $value | humanizeDuration }}', age),
        ]),
      ),
    },
  ];
  // Every 6 hours: 21600 s; the alert allows 6 h + 900 s + 3600 s = 26100 s (7 h 15 m).
  const H = 60;
  it('allows the schedule interval plus the deadlines', () => {
    expect(rule.expr).toContain('> 26100');
  });

  // Both suites in one promtool process (beforeAll); each test reads its own suite's result.
  const suites: Record<string, unknown[]> = {};
  let results: Record<string, ToolResult>;
  beforeAll(() => {
    results = testRuleSuites(Object.fromEntries(Object.entries(suites).map(([name, tests]) => [name, { groups, tests }])));
  });

  suites.stopped = [
    {
      name: 'mongodb succeeds every 6 h; redis stopped after 6 h; postgres-like job never succeeded',
      interval: '1m',
      input_series: [
        series('kube_cronjob_created', 'mongodb-backup', `0x${20 * H}`),
        series('kube_cronjob_status_last_successful_time', 'mongodb-backup', `0x${6 * H - 1} 21600x${6 * H - 1} 43200x${6 * H - 1} 64800x${2 * H}`),
        series('kube_cronjob_created', 'redis-backup', `0x${20 * H}`),
        series('kube_cronjob_status_last_successful_time', 'redis-backup', `0x${6 * H - 1} 21600x${14 * H}`),
        series('kube_cronjob_created', 'never-backup', `0x${20 * H}`),
      ],
      alert_rule_test: [
        // 13 h: redis' last success (6 h) is 7 h old, under 7 h 15 m.
        { eval_time: '13h', alertname: 'BackupTooOld', exp_alerts: [] },
        // 14 h: redis' is 8 h old.
        { eval_time: '14h', alertname: 'BackupTooOld', exp_alerts: firing('redis-backup', '8h 0m 0s') },
      ],
    },
  ];
  it('fires when backups stop or never succeed, and not while they run on schedule', () => {
    // never-backup is not one of the environment's CronJobs: the rule ignores it.
    expect(results.stopped.code, results.stopped.output).toBe(0);
  });

  suites.never = [
    {
      name: 'created at 0, no success',
      interval: '1m',
      input_series: [series('kube_cronjob_created', 'redis-backup', `0x${10 * H}`), series('kube_cronjob_created', 'mongodb-backup', `0x${10 * H}`)],
      alert_rule_test: [
        { eval_time: '7h', alertname: 'BackupTooOld', exp_alerts: [] },
        { eval_time: '8h', alertname: 'BackupTooOld', exp_alerts: [...firing('mongodb-backup', '8h 0m 0s'), ...firing('redis-backup', '8h 0m 0s')] },
      ],
    },
  ];
  it('fires for a CronJob that has never succeeded once it is older than the allowed age', () => {
    expect(results.never.code, results.never.output).toBe(0);
  });
});

describe('backup scripts', () => {
  it('pass shellcheck (POSIX sh)', () => {
    const dir = tempDirFor(POSTGRES_USER, 'backup-scripts-');
    const files = Object.entries({
      postgres: POSTGRES_BACKUP_SCRIPT,
      redis: REDIS_BACKUP_SCRIPT,
      mongodb: MONGODB_BACKUP_SCRIPT,
      upload: UPLOAD_SCRIPT,
      download: DOWNLOAD_SCRIPT,
      'postgres-restore': POSTGRES_RESTORE_SCRIPT,
      'redis-restore': REDIS_RESTORE_SCRIPT,
      'mongodb-restore': MONGODB_RESTORE_SCRIPT,
    }).map(([name, text]) => {
      const file = join(dir, `${name}.sh`);
      writeFileSync(file, text);
      return file;
    });
    const result = spawnSync('shellcheck', ['--shell=sh', ...files], { encoding: 'utf8' });
    removeTempDir(dir);
    expect(result.status, result.stdout).toBe(0);
  });

  it('run what the manifests run: MongoDB dumps with --archive --gzip, verifies with gzip -t and mongorestore --dryRun', () => {
    const c = backupContainer(env, 'mongodb-backup');
    expect(c.command).toEqual(['sh', '-c', MONGODB_BACKUP_SCRIPT, 'backup']);
    expect(MONGODB_BACKUP_SCRIPT).toMatch(/mongodump --uri="\$MONGODB_URI" --archive="\$partial" --gzip/);
    expect(MONGODB_BACKUP_SCRIPT).toMatch(/mongorestore .*--dryRun/);
    expect(c.env.find((e: any) => e.name === 'MONGODB_URI').value).toMatch(
      /^mongodb:\/\/\$\(MONGODB_USERNAME\):\$\(MONGODB_PASSWORD\)@mongodb-0\.mongodb\.webapp-test\.svc\.cluster\.local:27017\/\?authSource=admin$/,
    );
  });
});

/** The plain variables of a container, with `local` overrides; credentials are set by the caller. */
function containerEnv(c: any, local: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(c.env.filter((e: any) => typeof e.value === 'string').map((e: any) => [e.name, e.value])), ...local };
}

/** Backdates a file's modification time by `days` (touch -d), as if it had been written then. */
function age(file: string, days: number): void {
  const result = spawnSync('touch', ['-d', `${days} days ago`, file]);
  expect(result.status).toBe(0);
}

const files = (dir: string) => readdirSync(dir).sort();

describe('PostgreSQL backup, verify, upload and retention (real server, rclone local remote)', () => {
  const superuser = 'app_admin';
  const password = 'pw-Backup-15-not-secret';
  let dir: string;
  let server: PostgresServer;
  let backups: string;
  let remote: string;
  let rcloneConfig: string;

  beforeAll(async () => {
    dir = tempDirFor(POSTGRES_USER, 'pg-backup-');
    server = await startPostgres({ dir, superuser, password, settings: [] });
    server.sql('CREATE DATABASE app');
    server.sql(
      "CREATE TABLE orders (id int PRIMARY KEY, item text, placed timestamptz DEFAULT now()); INSERT INTO orders (id, item) SELECT g, 'item ' || g FROM generate_series(1, 50000) g; CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 5000) g",
      'app',
    );
    backups = subDirFor(POSTGRES_USER, dir, 'backups');
    remote = subDirFor(POSTGRES_USER, dir, 'remote');
    rcloneConfig = join(dir, 'rclone.conf');
    writeFileSync(rcloneConfig, '[objects]\ntype = local\n');
  });

  afterAll(async () => {
    if (server) await stop(server.child);
    removeTempDir(dir);
  });

  const backupEnv = () => ({
    ...containerEnv(backupContainer(env, 'postgres-backup'), {
      PGHOST: '127.0.0.1',
      PGPORT: String(server.port),
      BACKUP_DIR: backups,
      SCRATCH_DIR: subDirFor(POSTGRES_USER, dir, 'scratch'),
    }),
    PGUSER: superuser,
    PGPASSWORD: password,
    PATH: `${postgresBinDir()}:${process.env.PATH}`,
  });

  it('dumps, restores the dump into a scratch server, keeps it, and deletes local backups older than 7 days', () => {
    // Two earlier backups: 8 days old (past retention) and 6 days old (kept).
    for (const [name, days] of [
      ['app-20200101T000000Z.dump', 8],
      ['app-20200102T000000Z.dump', 6],
    ] as const) {
      writeFileSync(join(backups, name), 'old');
      age(join(backups, name), days);
    }
    const started = Date.now();
    const result = runAs(POSTGRES_USER, 'sh', ['-c', POSTGRES_BACKUP_SCRIPT, 'backup'], backupEnv());
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/verify: restored 2 tables into a scratch server/);
    const made = files(backups).filter((f) => f !== 'app-20200102T000000Z.dump');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^app-\d{8}T\d{6}Z\.dump$/);
    expect(files(backups)).not.toContain('app-20200101T000000Z.dump');
    const size = statSync(join(backups, made[0])).size;
    console.log(
      `PostgreSQL backup: 55,000 rows, ${server.sql("select pg_size_pretty(pg_database_size('app'))")} database -> ${size} bytes (pg_dump -Fc), dump + verify in ${seconds.toFixed(1)} s`,
    );
  });

  it('uploads through rclone and deletes remote backups older than 30 days', () => {
    const upload = podSpec(env, 'postgres-backup').containers.find((c: any) => c.name === 'upload');
    const target = subDirFor(POSTGRES_USER, remote, 'postgres');
    for (const [name, days] of [
      ['app-20200101T000000Z.dump', 31],
      ['app-20200103T000000Z.dump', 29],
    ] as const) {
      writeFileSync(join(target, name), 'old');
      age(join(target, name), days);
    }
    const started = Date.now();
    const result = runAs(
      POSTGRES_USER,
      'sh',
      ['-c', UPLOAD_SCRIPT, 'upload'],
      containerEnv(upload, { BACKUP_DIR: backups, REMOTE: `objects:${target}`, RCLONE_CONFIG: rcloneConfig, XDG_CACHE_HOME: dir, HOME: dir }),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    console.log(`rclone upload of the PostgreSQL backups to a local remote in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const local = files(backups);
    // Every local backup is there, the 31-day-old remote one is gone, the 29-day-old one stays.
    expect(files(target)).toEqual([...new Set([...local, 'app-20200103T000000Z.dump'])].sort());
    for (const name of local) expect(statSync(join(target, name)).size).toBe(statSync(join(backups, name)).size);
  });

  const digest = () => server.sql("select md5(string_agg(id || item, ',' order by id)) from orders", 'app') + server.sql('select count(*) from customers', 'app');
  const restoreEnv = (store = 'postgres', name = 'restore') => ({
    ...containerEnv(restoreContainer(env, store, name), { PGHOST: '127.0.0.1', PGPORT: String(server.port), BACKUP_DIR: backups }),
    PGUSER: superuser,
    PGPASSWORD: password,
    PATH: `${postgresBinDir()}:${process.env.PATH}`,
  });

  it("restores the newest backup with the restore Job's command: changed and deleted rows come back", () => {
    const before = digest();
    server.sql("DELETE FROM orders WHERE id > 100; UPDATE customers SET name = 'changed'; DELETE FROM customers WHERE id > 10", 'app');
    expect(digest()).not.toBe(before);
    const c = restoreContainer(env, 'postgres');
    expect(c.command).toEqual(['sh', '-c', POSTGRES_RESTORE_SCRIPT, 'restore']);
    const started = Date.now();
    const result = runAs(POSTGRES_USER, 'sh', ['-c', POSTGRES_RESTORE_SCRIPT, 'restore'], restoreEnv());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    console.log(`PostgreSQL restore (pg_restore --clean --single-transaction) of the newest backup in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(digest()).toBe(before);
    expect(server.sql("select count(*) from customers where name = 'changed'", 'app')).toBe('0');
  });

  it('restores from the remote when the backup claim lost its backups (BACKUP_SOURCE=remote)', () => {
    const before = digest();
    for (const name of files(backups)) spawnSync('rm', ['-f', join(backups, name)]);
    server.sql('DROP TABLE orders', 'app');
    const fetch = runAs(POSTGRES_USER, 'sh', ['-c', DOWNLOAD_SCRIPT, 'download'], {
      ...containerEnv(restoreContainer(env, 'postgres', 'download'), {
        BACKUP_DIR: backups,
        REMOTE: `objects:${join(remote, 'postgres')}`,
        RCLONE_CONFIG: rcloneConfig,
        XDG_CACHE_HOME: dir,
        HOME: dir,
      }),
      BACKUP_SOURCE: 'remote',
    });
    expect(fetch.code, fetch.stdout + fetch.stderr).toBe(0);
    expect(fetch.stdout).toMatch(/fetched objects:.*app-\d{8}T\d{6}Z\.dump/);
    const result = runAs(POSTGRES_USER, 'sh', ['-c', POSTGRES_RESTORE_SCRIPT, 'restore'], restoreEnv());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(digest()).toBe(before);
  });

  it('refuses to keep a dump it could not take: no final file, exit code non-zero', () => {
    const before = files(backups);
    const result = runAs(POSTGRES_USER, 'sh', ['-c', POSTGRES_BACKUP_SCRIPT, 'backup'], { ...backupEnv(), PGPASSWORD: 'wrong' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/password authentication failed/);
    expect(files(backups)).toEqual(before);
  });
});

describe('Redis backup and verify (real server)', () => {
  const password = 'pw-Backup-7-not-secret';
  let dir: string;
  let server: ReturnType<typeof startAs>;
  let port: number;
  let backupFile: string;
  const cli = (...args: string[]) => runAs('redis', 'redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { REDISCLI_AUTH: password }).stdout.trim();

  beforeAll(async () => {
    dir = tempDirFor('redis', 'redis-backup-');
    [port] = await freePorts(1);
    // --repl-diskless-sync-delay 0: redis-cli --rdb is served like a replica's full sync, which by
    // default waits 5 s for more replicas to share the transfer.
    server = startAs('redis', 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      subDirFor('redis', dir, 'data'),
      '--requirepass',
      password,
      '--save',
      '',
      '--repl-diskless-sync-delay',
      '0',
    ]);
    await waitFor('redis answering', () => cli('ping') === 'PONG', 60, server.output);
    // 5,000 strings of 100 bytes, a hash and a key with a TTL (DEBUG POPULATE is off in Redis 7):
    // the restore migrates them in six batches of at most 1,000 keys, the last one partial.
    cli('eval', "for i = 1, 5000 do redis.call('set', 'session:' .. i, string.rep('x', 90) .. i) end return 1", '0');
    cli('hset', 'cart:42', 'apples', '3', 'pears', '2');
    cli('set', 'token:abc', 'secret-ish', 'ex', '3600');
    expect(cli('dbsize')).toBe('5002');
  });

  afterAll(async () => {
    if (server) await stop(server.child);
    removeTempDir(dir);
  });

  it('streams an RDB snapshot with redis-cli --rdb, checks it with redis-check-rdb and applies retention', () => {
    const backups = subDirFor('redis', dir, 'backups');
    writeFileSync(join(backups, 'redis-20200101T000000Z.rdb'), 'old');
    age(join(backups, 'redis-20200101T000000Z.rdb'), 8);
    const c = backupContainer(env, 'redis-backup');
    const started = Date.now();
    const result = runAs('redis', 'sh', ['-c', REDIS_BACKUP_SCRIPT, 'backup'], {
      ...containerEnv(c, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), BACKUP_DIR: backups }),
      REDISCLI_AUTH: password,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/RDB looks OK/);
    const made = files(backups);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^redis-\d{8}T\d{6}Z\.rdb$/);
    console.log(`Redis backup: 5,002 keys -> ${statSync(join(backups, made[0])).size} bytes RDB, dump + redis-check-rdb in ${seconds.toFixed(1)} s`);
    backupFile = join(backups, made[0]);
  });

  it("restores the backup into an empty server with the restore Job's command: keys, values and TTLs", async () => {
    expect(backupFile).toBeDefined();
    const [emptyPort, scratchPort] = await freePorts(2);
    const empty = startAs('redis', 'redis-server', [
      '--port',
      String(emptyPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      subDirFor('redis', dir, 'restored'),
      '--requirepass',
      password,
      '--save',
      '',
    ]);
    try {
      const onEmpty = (...args: string[]) => runAs('redis', 'redis-cli', ['-h', '127.0.0.1', '-p', String(emptyPort), ...args], { REDISCLI_AUTH: password }).stdout.trim();
      await waitFor('the empty redis answering', () => onEmpty('ping') === 'PONG', 60, empty.output);
      expect(onEmpty('dbsize')).toBe('0');
      const c = restoreContainer(env, 'redis');
      const started = Date.now();
      const result = runAs('redis', 'sh', ['-c', REDIS_RESTORE_SCRIPT, 'restore'], {
        ...containerEnv(c, {
          REDIS_HOST: '127.0.0.1',
          REDIS_PORT: String(emptyPort),
          BACKUP_DIR: dirname(backupFile),
          SCRATCH_DIR: subDirFor('redis', dir, 'scratch'),
          SCRATCH_PORT: String(scratchPort),
        }),
        REDISCLI_AUTH: password,
        REDIS_PASSWORD: password,
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/copied 5002 keys/);
      console.log(`Redis restore (scratch server + MIGRATE COPY REPLACE) of 5,002 keys in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(onEmpty('dbsize')).toBe(cli('dbsize'));
      for (const key of ['session:1', 'session:2500', 'session:5000']) expect(onEmpty('get', key)).toBe(cli('get', key));
      expect(onEmpty('hgetall', 'cart:42')).toBe(cli('hgetall', 'cart:42'));
      expect(Number(onEmpty('ttl', 'token:abc'))).toBeGreaterThan(3000);
    } finally {
      await stop(empty.child);
    }
  });
});
