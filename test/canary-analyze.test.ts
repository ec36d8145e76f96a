/**
 * `npm run canary -- analyze` when Prometheus is not what it should be: each failure against a
 * real HTTP server on the loopback interface (node:http), one line each, with the exit code a
 * pipeline decides on; credentials reach the server; no data gives "n/a" and hints. The verdicts
 * on real data are in test/canary-prometheus.test.ts (a real Prometheus). `status`/`analyze`
 * compare the live canary weight through kubectl: here a stand-in script on PATH that prints
 * recorded `kubectl get ingress` and `get httproutes` answers (-o json), as there is no cluster.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryCommand } from '../cli/canary.js';
import { appFileOf, ENVIRONMENTS_DIR, loadEnvironment } from '../config/load.js';
import { liveWeight } from '../delivery/live-weight.js';
import { noDataHints } from '../delivery/canary-analysis.js';
import { renderEnvironment } from '../charts/render.js';

const scratch = mkdtempSync(join(tmpdir(), 'canary-analyze-'));
const configDir = join(scratch, 'environments');
cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
cpSync(appFileOf(), appFileOf(configDir));
// prod with a canary at its first step (10%).
const prodFile = join(configDir, 'prod.yaml');
/** prod as shipped, before the canary below is added. */
const REFERENCE_PROD = join(ENVIRONMENTS_DIR, 'prod.yaml');
writeFileSync(prodFile, readFileSync(prodFile, 'utf8').replace(/^ {2}backend:\n/m, '  backend:\n    canary:\n      enabled: true\n      tag: 1.1.0\n'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function analyze(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { out: (line: string) => void stdout.push(line), err: (line: string) => void stderr.push(line) };
  const code = await canaryCommand(['analyze', '--env', 'prod', '--config-dir', configDir, ...args], io);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** A server on 127.0.0.1 answering every request with `answer`; the headers of each request are kept. */
async function serve(answer: (respond: (status: number, type: string, body: string) => void) => void): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    answer((status, type, body) => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
const started = async (answer: Parameters<typeof serve>[0]) => {
  const s = await serve(answer);
  servers.push(s.server);
  return s;
};
const EMPTY = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } });

describe('analyze checks its Prometheus URL before asking', () => {
  it.each(['prometheus:9090', 'localhost:9090', 'prometheus.monitoring', 'ftp://prometheus:9090', 'http://', 'http://prometheus:9090/?x=1'])(
    '%s: usage error, exit 2',
    async (url) => {
      const result = await analyze('--prometheus', url);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toMatch(/^error: --prometheus: (not an http\(s\) URL|the base URL of Prometheus)/);
      expect(result.stderr).toContain('usage: npm run canary');
    },
  );
  it('and its other options: --timeout, --header', async () => {
    expect((await analyze('--prometheus', 'http://127.0.0.1:1', '--timeout', 'soon')).stderr).toContain('error: --timeout: not a duration: soon (e.g. 10s, 500ms, 1m)');
    expect((await analyze('--prometheus', 'http://127.0.0.1:1', '--header', 'no colon')).code).toBe(2);
    const status = await canaryCommand(['status', '--env', 'prod', '--config-dir', configDir, '--timeout', '1s'], { out: () => undefined, err: () => undefined });
    expect(status).toBe(2);
  });
});

describe('each way Prometheus can fail, in one line', () => {
  it('connection refused: hold, exit 3', async () => {
    const { url, server } = await serve(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const result = await analyze('--prometheus', url);
    expect(result.code).toBe(3);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'prod/backend: canary 1.1.0 -> HOLD',
      `  - could not query Prometheus at ${url}: connection refused by ${url.slice('http://'.length)}: nothing listens there (is Prometheus running, the port-forward up?)`,
    ]);
  });

  it("a port fetch never connects to (the Fetch standard's bad ports): exit 1, not a hold that never ends", async () => {
    const result = await analyze('--prometheus', 'http://127.0.0.1:6000');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: prod/backend: could not query Prometheus at http://127.0.0.1:6000: fetch refuses port 6000 (a "bad port" of the Fetch standard): reach Prometheus on another port, e.g. through a port-forward',
    );
  });

  it('no answer within --timeout: hold, exit 3', async () => {
    const { url } = await started(() => undefined);
    const result = await analyze('--prometheus', url, '--timeout', '200ms');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`could not query Prometheus at ${url}: no answer from ${url.slice('http://'.length)} within 0.2s (--timeout)`);
  });

  it('an HTML page (a proxy or login page): exit 1, not a hold that never ends', async () => {
    const { url } = await started((respond) => respond(200, 'text/html; charset=utf-8', '<!doctype html><title>Sign in</title>'));
    const result = await analyze('--prometheus', url);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: prod/backend: could not query Prometheus at ${url}: ${url}/api/v1/query answered with text/html, not the JSON of the Prometheus API: a proxy or login page in front of it? (check the URL and the credentials)`,
    );
    expect(result.stdout).toBe('');
  });

  it('HTTP error status: 401 is an error (exit 1), 503 a hold (exit 3)', async () => {
    const denied = await started((respond) => respond(401, 'text/plain', 'Unauthorized'));
    const unauthorized = await analyze('--prometheus', denied.url);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain(`HTTP 401 Unauthorized from ${denied.url}/api/v1/query (credentials: --bearer-token-file, --header)`);
    const down = await started((respond) => respond(503, 'text/plain', 'upstream not ready'));
    const unavailable = await analyze('--prometheus', down.url);
    expect(unavailable.code).toBe(3);
    expect(unavailable.stdout).toContain(`HTTP 503 Service Unavailable from ${down.url}/api/v1/query`);
  });

  it("Prometheus's own error answer is quoted", async () => {
    const { url } = await started((respond) =>
      respond(422, 'application/json', JSON.stringify({ status: 'error', errorType: 'execution', error: 'query timed out in expression evaluation' })),
    );
    const result = await analyze('--prometheus', url);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP 422 Unprocessable Entity: query timed out in expression evaluation');
  });
});

describe('credentials and the no-data answer', () => {
  it('sends the bearer token from its file and every --header on each query', async () => {
    const { url, seen } = await started((respond) => respond(200, 'application/json', EMPTY));
    const tokenFile = join(scratch, 'token');
    writeFileSync(tokenFile, 's3cr3t-token\n');
    const result = await analyze('--prometheus', `${url}/prometheus/`, '--bearer-token-file', tokenFile, '--header', 'X-Scope-OrgID: team-a', '--header', 'X-Extra:  two words ');
    expect(result.code).toBe(3);
    expect(seen).toHaveLength(7);
    for (const headers of seen) expect(headers).toMatchObject({ authorization: 'Bearer s3cr3t-token', 'x-scope-orgid': 'team-a', 'x-extra': 'two words' });
  });

  it('a token file that is missing or empty is a user error, before any query', async () => {
    expect(await analyze('--prometheus', 'http://127.0.0.1:1', '--bearer-token-file', join(scratch, 'missing'))).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`error: --bearer-token-file: cannot read ${join(scratch, 'missing')}: no such file`),
    });
    writeFileSync(join(scratch, 'empty'), '\n');
    expect((await analyze('--prometheus', 'http://127.0.0.1:1', '--bearer-token-file', join(scratch, 'empty'))).stderr).toContain('is empty: it must hold the token alone');
  });

  it('no data: hold with "n/a" everywhere, and hints on the metric names and the ServiceMonitor selection', async () => {
    const { url } = await started((respond) => respond(200, 'application/json', EMPTY));
    const result = await analyze('--prometheus', url);
    expect(result.code).toBe(3);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('  - canary requests in the last 5m: n/a, no data (need 50)');
    expect(lines.find((l) => l.startsWith('  requests'))).toMatch(/^ {2}requests +n\/a +at least 50 in 5m$/);
    expect(result.stdout).not.toMatch(/\b0 (canary )?requests/);
    expect(lines.filter((l) => l.startsWith('  hint: '))).toEqual([
      '  hint: no series at all for backend in namespace webapp-prod: does the service export http_requests_total and http_request_duration_seconds_bucket (services.backend.canary.analysis.requestsMetric, .durationMetric)?',
      expect.stringMatching(/^ {2}hint: does Prometheus select the ServiceMonitor backend \(monitoring\.serviceMonitorLabels: .*\)/),
    ]);
  });

  it('--json: the verdict, figures (null: no data) and hints for a machine', async () => {
    const { url } = await started((respond) => respond(200, 'application/json', EMPTY));
    const result = await analyze('--prometheus', url, '--json');
    expect(result.code).toBe(3);
    const answer = JSON.parse(result.stdout);
    expect(answer).toMatchObject({ env: 'prod', service: 'backend', canaryTag: '1.1.0', verdict: 'hold', exitCode: 3, live: null });
    expect(answer.measurements).toEqual({
      canaryRequests: null,
      canaryErrorRate: null,
      stableErrorRate: null,
      canaryP95: null,
      stableP95: null,
      canaryCpuCores: null,
      canaryMemoryBytes: null,
    });
    expect(answer.hints).toHaveLength(2);
  });

  it('--json writes an infinite figure as "+Inf", as Prometheus does, not as null (no data)', async () => {
    const inf = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '+Inf'] }] } });
    const { url } = await started((respond) => respond(200, 'application/json', inf));
    const result = await analyze('--prometheus', url, '--json');
    expect(result.code).toBe(4);
    const answer = JSON.parse(result.stdout);
    expect(answer.measurements.canaryP95).toBe('+Inf');
    expect(answer.reasons).toContain('canary p95 +Inf > 2.000s');
  });

  it('--apply --json: one object, the change it applied under `apply`', async () => {
    // Every query answers 0.5: a 50% canary error rate, so the verdict is rollback.
    const half = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '0.5'] }] } });
    const { url } = await started((respond) => respond(200, 'application/json', half));
    const before = readFileSync(prodFile, 'utf8');
    const result = await analyze('--prometheus', url, '--apply', '--dry-run', '--json');
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({
      verdict: 'rollback',
      exitCode: 4,
      reasons: expect.arrayContaining(['canary error rate 50.00% > 5.00%']),
      apply: { command: 'rollback', dryRun: true, ok: true, changed: true, summary: 'rolled back canary 1.1.0; all traffic on stable 1.0.0' },
    });
    expect(readFileSync(prodFile, 'utf8')).toBe(before);
  });

  it('hints tell a canary without series from a service without any', () => {
    const { config } = loadEnvironment('prod', configDir);
    const analysis = config.services.backend.canary.analysis;
    const where = { service: 'backend', namespace: 'webapp-prod', serviceMonitorLabels: {} };
    expect(noDataHints({ stableErrorRate: 0.001, stableP95: 0.2 }, analysis, where)).toEqual([
      expect.stringContaining('stable has data but the canary none: is backend-canary running'),
    ]);
    expect(noDataHints({ canaryRequests: 80, canaryErrorRate: 0, stableP95: 0.2 }, analysis, where)).toEqual([expect.stringContaining('no latency data for the canary')]);
  });
});

describe('the live canary weight (kubectl stand-in with recorded answers)', () => {
  const bin = join(scratch, 'bin');
  const routesFile = join(bin, 'httproutes.json');
  /** A `kubectl get ingress -o json` answer: the List of the Ingresses synthesized for prod, with the canary weight `weight`. */
  let ingresses: Record<string, any>[] | undefined;
  function recordAnswer(weight: string | undefined): void {
    // prod's file does not change in this block: rendered once.
    ingresses ??= renderEnvironment('prod', loadEnvironment('prod', configDir).config)
      .files.flatMap((f) => f.objects)
      .filter((o) => o.kind === 'Ingress') as Record<string, any>[];
    const items = ingresses.flatMap((ingress) => {
      if (ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] !== 'true') return [ingress];
      if (weight === undefined) return [];
      return [{ ...ingress, metadata: { ...ingress.metadata, annotations: { ...ingress.metadata.annotations, 'nginx.ingress.kubernetes.io/canary-weight': weight } } }];
    });
    writeFileSync(join(bin, 'ingresses.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }));
  }
  /**
   * A `kubectl get httproutes -o json` answer (Gateway API v1, written by hand: no HTTPRoute output
   * on this branch): a header rule to the canary alone, then the weighted rule; undefined: the
   * cluster has no HTTPRoute kind (kubectl fails as it does without the CRD).
   */
  function recordRoutes(weights: [stable: number, canary: number] | undefined): void {
    if (weights === undefined) {
      rmSync(routesFile, { force: true });
      return;
    }
    const path = { type: 'PathPrefix', value: '/api' };
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'webapp', namespace: 'webapp-prod' },
      spec: {
        parentRefs: [{ name: 'public', namespace: 'gateway-system' }],
        hostnames: ['app.example.com'],
        rules: [
          { matches: [{ path, headers: [{ name: 'X-Canary', value: 'always' }] }], backendRefs: [{ name: 'backend-canary', port: 80 }] },
          {
            matches: [{ path }],
            backendRefs: [
              { name: 'backend', port: 80, weight: weights[0] },
              { name: 'backend-canary', port: 80, weight: weights[1] },
            ],
          },
        ],
      },
    };
    writeFileSync(routesFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [route], metadata: { resourceVersion: '' } }));
  }
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'kubectl'),
      [
        '#!/bin/sh',
        '# Stand-in for kubectl: a current context, and recorded answers of kubectl get ingress / httproutes -o json.',
        'case "$1 $2" in',
        '  "config current-context") echo stand-in-context ;;',
        `  "get ingress") cat "${bin}/ingresses.json" ;;`,
        `  "get httproutes.gateway.networking.k8s.io") if [ -f "${routesFile}" ]; then cat "${routesFile}"; else echo 'error: the server doesn'"'"'t have a resource type "httproutes"' >&2; exit 1; fi ;;`,
        '  *) echo "stand-in kubectl: unexpected $*" >&2; exit 1 ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
  });
  /**
   * `npm run canary -- <args>` in this process (as analyze() above; the command as a process is run
   * in test/canary-prometheus.test.ts), with the stand-in first on PATH while it runs: the command
   * spawns `kubectl` by PATH. stdout as the process prints it, a newline after each line.
   */
  const canary = async (...args: string[]) => {
    const stdout: string[] = [];
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      const code = await canaryCommand(args, { out: (line) => void stdout.push(`${line}\n`), err: () => undefined });
      return { code, stdout: stdout.join('') };
    } finally {
      process.env.PATH = path;
    }
  };
  const run = (...args: string[]) => canary(...args, '--env', 'prod', '--config-dir', configDir);

  it('status says whether the live canary Ingress weight is the config weight (no HTTPRoute kind in the cluster)', async () => {
    recordAnswer('10');
    recordRoutes(undefined);
    expect((await run('status')).stdout).toContain('  live: canary weight 10 (Ingress/backend-canary 10), as in the config');
    recordAnswer('25');
    const behind = await run('status', '--json');
    expect(JSON.parse(behind.stdout).live).toEqual({
      expected: 10,
      live: [{ kind: 'Ingress', name: 'backend-canary', weight: 25 }],
      matches: false,
      summary: 'live: canary weight Ingress/backend-canary 25, the config says 10: not synced yet?',
    });
  });

  it('and the HTTPRoute weights (Gateway API): the canary share of the weighted rule', async () => {
    recordAnswer(undefined);
    recordRoutes([90, 10]);
    expect((await run('status')).stdout).toContain('  live: canary weight 10 (HTTPRoute/webapp 10), as in the config');
    recordRoutes([75, 25]);
    expect((await run('status')).stdout).toContain('  live: canary weight HTTPRoute/webapp 25, the config says 10: not synced yet?');
  });

  it('says nothing of weights for a service Argo Rollouts releases: the Rollout sets them', async () => {
    recordAnswer(undefined);
    recordRoutes([80, 20]);
    const stable = readFileSync(REFERENCE_PROD, 'utf8');
    writeFileSync(join(configDir, 'rollouts.yaml'), `${stable.trimEnd()}\ndelivery:\n  engine: argo-rollouts\n`);
    const { code, stdout } = await canary('status', '--env', 'rollouts', '--config-dir', configDir);
    expect(code).toBe(0);
    expect(stdout).toBe(
      'backend: released by Argo Rollouts (delivery.engine argo-rollouts), image 1.0.0; where the rollout stands: kubectl argo rollouts get rollout backend -n webapp-prod\n',
    );
  });

  it('analyze reports it with its verdict', async () => {
    recordAnswer(undefined);
    recordRoutes(undefined);
    const { url } = await started((respond) => respond(200, 'application/json', EMPTY));
    const result = await run('analyze', '--prometheus', url);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('  live: no canary route yet, the config says weight 10: not synced yet?');
  });

  it('compares as a pure function of the lists', () => {
    const { config } = loadEnvironment('prod', configDir);
    const running = config.services.backend;
    const noCanary = { ...running, canary: { ...running.canary, enabled: false } };
    const route = (refs: { name: string; weight?: number }[]) => ({ items: [{ metadata: { name: 'r' }, spec: { rules: [{ backendRefs: refs }] } }] });
    expect(liveWeight({ ingresses: { items: [] } }, 'backend', noCanary)).toMatchObject({ matches: true, summary: 'live: no canary route, as in the config' });
    expect(liveWeight({ ingresses: { kind: 'List' } }, 'backend', running)).toMatchObject({ matches: false });
    // A backendRef without weight weighs 1: half the traffic.
    expect(liveWeight({ ingresses: {}, httpRoutes: route([{ name: 'backend' }, { name: 'backend-canary' }]) }, 'backend', running).live).toEqual([
      { kind: 'HTTPRoute', name: 'r', weight: 50 },
    ]);
    // A canary backend at weight 0 (an idle Rollout's route) sends nothing: no canary route.
    expect(
      liveWeight(
        {
          ingresses: {},
          httpRoutes: route([
            { name: 'backend', weight: 100 },
            { name: 'backend-canary', weight: 0 },
          ]),
        },
        'backend',
        noCanary,
      ),
    ).toMatchObject({ matches: true });
  });
});
