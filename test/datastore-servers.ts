/**
 * Real PostgreSQL and Redis servers for tests, from the Debian packages `postgresql` and
 * `redis-server` (`npm test` installs them, see test/setup/provision.sh): started on 127.0.0.1 and
 * a free port with their own data directories in a temp dir, stopped by the test. PostgreSQL
 * refuses to run as root, so as root every command runs as the package's system user: spawned
 * with its uid and gid (and its HOME, USER and LOGNAME, as `runuser -u` sets them), not through
 * runuser, which costs a PAM session per command and, when signalled, waits 2 s before it kills
 * its child; as any other user, as that user.
 */
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binaries of the newest PostgreSQL the `postgresql` package installed (15 on Debian 12). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    // Elsewhere (Homebrew): the server binaries are next to pg_config.
    const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    if (pgConfig.status === 0) return pgConfig.stdout.trim();
  }
  if (versions.length === 0)
    throw new Error('PostgreSQL not found under /usr/lib/postgresql: install the Debian package "postgresql" (npm test does, see test/setup/provision.sh)');
  return join(root, versions[0], 'bin');
}

const isRoot = process.getuid?.() === 0;

interface SystemUser {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}
const systemUsers = new Map<string, SystemUser>();

/** A system user's ids and home (as root, the user commands run as), from /etc/passwd, where the Debian packages add them. */
function systemUser(name: string): SystemUser {
  let user = systemUsers.get(name);
  if (!user) {
    const fields = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((f) => f[0] === name && f.length >= 7);
    if (!fields) throw new Error(`no user "${name}": install its Debian package`);
    user = { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] };
    systemUsers.set(name, user);
  }
  return user;
}

/**
 * Where the servers' directories go: a tmpfs when the machine has one (/dev/shm on Linux), where an
 * fsync costs nothing. The data is thrown away, and on a disk the fsyncs of initdb, of
 * pg_basebackup's copy and of a replica's first start (every file of the copied data directory)
 * took seconds each on a busy machine; on tmpfs the servers run their unchanged settings.
 */
const DATA_ROOT = (() => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return statSync('/dev/shm').isDirectory() ? '/dev/shm' : tmpdir();
  } catch {
    return tmpdir();
  }
})();

/** A temp directory the commands of `user` may write (owned by that user when running as root); removeTempDir removes it. */
export function tempDirFor(user: string, prefix: string): string {
  const dir = mkdtempSync(join(DATA_ROOT, prefix));
  if (isRoot) {
    const { uid, gid } = systemUser(user);
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Removes a directory of tempDirFor and everything in it (after its servers have stopped: tmpfs is memory). */
export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A subdirectory made (and owned) like tempDirFor. */
export function subDirFor(user: string, parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  if (isRoot) {
    const { uid, gid } = systemUser(user);
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** How to spawn a command as `user` with `env` added to this process's environment. */
function as(user: string, env: Record<string, string>): { env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
  if (!isRoot) return { env: { ...process.env, ...env } };
  const { uid, gid, home } = systemUser(user);
  // Node drops the supplementary groups (setgroups) when it sets uid and gid.
  return { uid, gid, env: { ...process.env, HOME: home, USER: user, LOGNAME: user, ...env } };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as `user` with `env` added to this process's environment; never throws for a non-zero exit. */
export function runAs(user: string, cmd: string, args: readonly string[], env: Record<string, string> = {}, input?: string): RunResult {
  const result: SpawnSyncReturns<string> = spawnSync(cmd, args, { ...as(user, env), encoding: 'utf8', input, timeout: 240_000 });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Like runAs, and throws with the output unless the exit code is 0. */
function mustRunAs(user: string, cmd: string, args: readonly string[], env: Record<string, string> = {}, input?: string): string {
  const result = runAs(user, cmd, args, env, input);
  if (result.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Starts a long-running process as `user`; its output is collected for error messages. */
export function startAs(user: string, cmd: string, args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { ...as(user, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return { child, output: () => output };
}

/** Stops a started process (SIGTERM; SIGKILL after 20 s) and waits for it. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * `count` distinct free ports below the kernel's ephemeral range (32768 and up on Linux), picked at
 * random and checked by binding them: a port bind(0) hands out is free again once closed, and
 * another test's bind(0) (e.g. the Prometheus servers of test/tools.ts) can then get it before a
 * server binds it; below that range only another random pick can. Every datastore server takes its
 * port from here: none may answer in place of another (a passwordless scratch Redis answers PONG).
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const candidate = 20000 + Math.floor(Math.random() * 10000);
    if (ports.includes(candidate)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) ports.push(candidate);
  }
  return ports;
}

/**
 * Polls `ready` every 50 ms until it returns true; throws with `describe()` after `seconds`. (A
 * check that starts a process costs some milliseconds; most waits end within a few polls.)
 */
export async function waitFor(what: string, ready: () => boolean, seconds = 120, describe: () => string = () => ''): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (ready()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within ${seconds} s\n${describe()}`);
}

export const POSTGRES_USER = 'postgres';

export interface PostgresServer {
  readonly port: number;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly child: ChildProcess;
  output(): string;
  /** psql over TCP with the superuser's password; returns the unaligned, tuples-only output. */
  sql(query: string, database?: string): string;
}

/**
 * initdb (SCRAM passwords, the superuser `superuser` with `password`) and a server on 127.0.0.1,
 * started with `settings` (the manifests' `-c` arguments) plus what makes it local: the port, the
 * address and the socket directory.
 */
export async function startPostgres(opts: {
  dir: string;
  superuser: string;
  password: string;
  settings: readonly string[];
  initdb?: boolean;
  name?: string;
}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const name = opts.name ?? 'primary';
  const root = subDirFor(POSTGRES_USER, opts.dir, name);
  const dataDir = join(root, 'pgdata');
  const socketDir = subDirFor(POSTGRES_USER, root, 'run');
  if (opts.initdb !== false) {
    const pwfile = join(root, 'pwfile');
    mustRunAs(POSTGRES_USER, 'sh', ['-c', `umask 077; printf '%s\\n' "$PW" > "${pwfile}"`], { PW: opts.password });
    // --no-sync: a test cluster is thrown away, so initdb need not wait for the disk (2-3x faster).
    mustRunAs(POSTGRES_USER, join(bin, 'initdb'), [
      '--pgdata',
      dataDir,
      '--username',
      opts.superuser,
      '--pwfile',
      pwfile,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
    ]);
  }
  // Below the ephemeral range (see freePorts): a port another test's freePort() may hand out again
  // could be taken by its server first, and pg_isready would then see that server.
  const [port] = await freePorts(1);
  const local = ['-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', `unix_socket_directories=${socketDir}`];
  const server = startAs(POSTGRES_USER, join(bin, 'postgres'), ['-D', dataDir, ...opts.settings, ...local]);
  const psql = (query: string, database = 'postgres'): RunResult =>
    runAs(POSTGRES_USER, join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', opts.superuser, '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atq', '-c', query], {
      PGPASSWORD: opts.password,
    });
  await waitFor(
    `PostgreSQL ${name} on port ${port} accepting connections`,
    () => {
      if (server.child.exitCode !== null) throw new Error(`PostgreSQL ${name} exited with code ${server.child.exitCode}:\n${server.output()}`);
      return runAs(POSTGRES_USER, join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).code === 0;
    },
    120,
    server.output,
  );
  return {
    port,
    dataDir,
    socketDir,
    child: server.child,
    output: server.output,
    sql: (query, database) => {
      const r = psql(query, database);
      if (r.code !== 0) throw new Error(`psql: ${query}\n${r.stderr}`);
      return r.stdout.trim();
    },
  };
}
