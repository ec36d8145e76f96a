/**
 * Ingress per service: several hosts per environment, each with its TLS certificate, and
 * per-service route settings (cookie affinity, websocket and proxy timeouts, body size, prefix
 * stripping) that never leak to another service, because ingress-nginx applies annotations per
 * Ingress object (config/routes.ts splits the routes; charts/routing/ingress.ts writes them).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { ingressHosts, ingressObjects, ingressPath, ingressRoutes, type IngressRoute } from '../config/routes.js';
import { validateRendered } from '../core/validate/rendered.js';
import { checkObjects } from '../policy/index.js';
import { configFromYaml, findAll, objectsOf, renderYaml } from './helpers.js';
import { renderReference } from './setup/reference.js';

const NGINX = 'nginx.ingress.kubernetes.io';

/** The voting app's two hosts (seed 003): vote, and result with websockets and sticky sessions. */
const VOTING = `tier: prod
ingress:
  host: vote.example.com
  hosts:
    result: { host: result.example.com }
services:
  backend: { enabled: false }
  frontend: { enabled: false }
  vote:
    image: { repository: acme/vote, tag: "1.0.0" }
    ingress: { paths: [{ path: / }] }
  result:
    image: { repository: acme/result, tag: "1.0.0" }
    ingress:
      host: result
      paths: [{ path: / }]
      websocket: true
      sessionAffinity: { cookie: result-affinity, maxAgeSeconds: 3600 }
`;

/** A MyGate-like API host (seed 001): a path per service, some stripped, and an admin host. */
const SOCIETY = `tier: prod
ingress:
  host: api.society.example
  hosts:
    admin: { host: admin.society.example, tls: { clusterIssuer: letsencrypt-admin, secretName: admin-cert } }
services:
  backend: { enabled: false }
  frontend: { enabled: false }
  users:
    image: { repository: acme/users, tag: "1.0.0" }
    ingress: { paths: [{ path: /api/users }], stripPrefix: true }
  visitors:
    image: { repository: acme/visitors, tag: "1.0.0" }
    ingress: { paths: [{ path: /api/visitors }], stripPrefix: true, proxyBodySize: 10m }
  payments:
    image: { repository: acme/payments, tag: "1.0.0" }
    ingress: { paths: [{ path: /api/payments }, { path: /api/payments/webhook, pathType: Exact }] }
  web:
    image: { repository: acme/web, tag: "1.0.0" }
    ingress: { paths: [{ path: / }] }
  admin:
    image: { repository: acme/admin, tag: "1.0.0" }
    ingress: { host: admin, paths: [{ path: / }], timeouts: { readSeconds: 120 } }
`;

const ingresses = (yamlText: string) => Object.fromEntries(findAll(renderYaml(yamlText), 'Ingress').map((i) => [i.metadata.name, i]));
const paths = (ingress: { spec: { rules: { host: string; http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] } }[] } }) =>
  ingress.spec.rules.flatMap((r) => r.http.paths.map((p) => `${r.host} ${p.pathType} ${p.path} -> ${p.backend.service.name}`));

describe('several hosts, each with its TLS', () => {
  const objects = ingresses(VOTING);

  it('splits into one Ingress per host, and one per service with its own settings', () => {
    expect(Object.keys(objects).sort()).toEqual(['result', 'webapp']);
    expect(paths(objects.webapp)).toEqual(['vote.example.com Prefix / -> vote']);
    expect(paths(objects.result)).toEqual(['result.example.com Prefix / -> result']);
  });

  it('gives each host its certificate: the environment host <app>-tls, a further host <app>-<key>-tls, each asked of cert-manager once', () => {
    expect(objects.webapp.spec.tls).toEqual([{ hosts: ['vote.example.com'], secretName: 'webapp-tls' }]);
    expect(objects.result.spec.tls).toEqual([{ hosts: ['result.example.com'], secretName: 'webapp-result-tls' }]);
    for (const name of ['webapp', 'result']) expect(objects[name].metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    const society = ingresses(SOCIETY);
    expect(society.admin.spec.tls).toEqual([{ hosts: ['admin.society.example'], secretName: 'admin-cert' }]);
    expect(society.admin.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-admin');
    // api.society.example: webapp carries the plain routes and asks for the certificate; users and
    // visitors use the same Secret without asking again (one Certificate per Secret).
    expect(['webapp', 'users', 'visitors'].map((n) => [society[n].spec.tls[0].secretName, society[n].metadata.annotations['cert-manager.io/cluster-issuer']])).toEqual([
      ['webapp-tls', 'letsencrypt-prod'],
      ['webapp-tls', undefined],
      ['webapp-tls', undefined],
    ]);
  });

  it('a further host follows ingress.tls unless it says otherwise', () => {
    const off = ingresses(`${VOTING}`.replace('tier: prod\ningress:\n', 'tier: prod\ningress:\n  tls: { enabled: false }\n'));
    expect([off.webapp.spec.tls, off.result.spec.tls]).toEqual([undefined, undefined]);
    const only = ingresses(VOTING.replace('result: { host: result.example.com }', 'result: { host: result.example.com, tls: { enabled: false } }'));
    expect([only.webapp.spec.tls?.length, only.result.spec.tls]).toEqual([1, undefined]);
    expect(only.result.metadata.annotations[`${NGINX}/ssl-redirect`]).toBeUndefined();
  });

  it('the same path on two hosts is two routes; on one host it is an error', () => {
    expect(ingressRoutes(configFromYaml(VOTING)).map((r) => `${r.host}${r.path}`)).toEqual(['vote.example.com/', 'result.example.com/']);
    expect(problems(VOTING.replace('      host: result\n', ''))).toEqual([
      'services.result.ingress.paths[0].path (line 15, column 17): path "/" is already routed to service "vote"; each Ingress path must be unique',
    ]);
  });
});

/** A region of a fleet (seed 004): every service on the global host and on the region's own host. */
const REGION = `tier: prod
ingress:
  host: atlas.example.com
  hosts:
    regional: { host: us-east.atlas.example.com }
services:
  backend: { enabled: false }
  frontend: { enabled: false }
  app:
    image: { repository: acme/app, tag: "1.0.0" }
    ingress: { paths: [{ path: / }], extraHosts: [regional] }
  api:
    image: { repository: acme/api, tag: "1.0.0" }
    ingress: { paths: [{ path: /api }], extraHosts: [regional], timeouts: { readSeconds: 120 } }
    canary: { enabled: true, tag: "1.1.0" }
`;

describe('one service on several hosts (extraHosts): a regional host beside the global one', () => {
  const objects = ingresses(REGION);

  it('routes the same paths on each host, each host with its certificate, the settings on both', () => {
    // api has settings of its own: an Ingress of its own per host, the one on the extra host named <service>-<key>.
    expect(Object.keys(objects).sort()).toEqual(['api', 'api-canary', 'api-regional', 'webapp', 'webapp-regional']);
    expect(paths(objects.webapp)).toEqual(['atlas.example.com Prefix / -> app']);
    expect(paths(objects['webapp-regional'])).toEqual(['us-east.atlas.example.com Prefix / -> app']);
    expect(paths(objects.api)).toEqual(['atlas.example.com Prefix /api -> api']);
    expect(paths(objects['api-regional'])).toEqual(['us-east.atlas.example.com Prefix /api -> api']);
    for (const name of ['api', 'api-regional']) expect(objects[name].metadata.annotations[`${NGINX}/proxy-read-timeout`]).toBe('120');
    expect(objects.webapp.spec.tls).toEqual([{ hosts: ['atlas.example.com'], secretName: 'webapp-tls' }]);
    expect(objects['webapp-regional'].spec.tls).toEqual([{ hosts: ['us-east.atlas.example.com'], secretName: 'webapp-regional-tls' }]);
  });

  it('the canary follows its service to every host', () => {
    expect(paths(objects['api-canary'])).toEqual(['atlas.example.com Prefix /api -> api-canary', 'us-east.atlas.example.com Prefix /api -> api-canary']);
  });

  it('passes the Kubernetes schemas and the policy report', () => {
    const env = renderYaml(REGION);
    expect(() => validateRendered([env])).not.toThrow();
    expect(checkObjects(objectsOf(env)).filter((v) => v.object.startsWith('Ingress'))).toEqual([]);
  });

  it('an undeclared or repeated host, or a path another service has on that host, is an error at its line', () => {
    expect(problems(REGION.replace('extraHosts: [regional] }\n  api:', 'extraHosts: [region] }\n  api:'))).toEqual([
      'services.app.ingress.extraHosts[0] (line 11, column 51): "region" is no key of ingress.hosts (regional): declare the host there (ingress.hosts.region.host)',
    ]);
    expect(problems(REGION.replace('extraHosts: [regional] }\n  api:', 'extraHosts: [regional, regional] }\n  api:'))).toEqual([
      'services.app.ingress.extraHosts[1] (line 11, column 61): "regional" already serves these paths: list each host once',
    ]);
    expect(problems(REGION.replace('ingress: { paths: [{ path: /api }], extraHosts: [regional],', 'ingress: { host: regional, paths: [{ path: / }],'))).toEqual([
      'services.api.ingress.paths[0].path (line 14, column 42): path "/" is already routed to service "app"; each Ingress path must be unique',
    ]);
  });
});

describe('per-service settings stay on their service', () => {
  it('cookie affinity and websocket timeouts are on the result Ingress only', () => {
    const { webapp, result } = ingresses(VOTING);
    expect(result.metadata.annotations).toMatchObject({
      [`${NGINX}/affinity`]: 'cookie',
      [`${NGINX}/session-cookie-name`]: 'result-affinity',
      [`${NGINX}/session-cookie-max-age`]: '3600',
      [`${NGINX}/proxy-read-timeout`]: '3600',
      [`${NGINX}/proxy-send-timeout`]: '3600',
    });
    for (const key of Object.keys(webapp.metadata.annotations)) expect(key).not.toMatch(/affinity|session-cookie|timeout/);
  });

  it('explicit timeouts win over the websocket defaults; body size and extra annotations per service', () => {
    const config = configFromYaml(SOCIETY);
    const byService = Object.fromEntries(ingressRoutes(config).map((r) => [r.service, r.settings]));
    expect(byService.admin.timeouts).toEqual({ readSeconds: 120 });
    const objects = ingresses(SOCIETY);
    expect(objects.visitors.metadata.annotations[`${NGINX}/proxy-body-size`]).toBe('10m');
    expect(objects.users.metadata.annotations[`${NGINX}/proxy-body-size`]).toBe('50m');
    expect(objects.admin.metadata.annotations[`${NGINX}/proxy-read-timeout`]).toBe('120');
    const withSnippet = ingresses(VOTING.replace('      websocket: true\n', `      websocket: true\n      annotations: { ${NGINX}/proxy-buffering: "off" }\n`));
    expect(withSnippet.result.metadata.annotations[`${NGINX}/proxy-buffering`]).toBe('off');
    expect(withSnippet.webapp.metadata.annotations[`${NGINX}/proxy-buffering`]).toBeUndefined();
  });

  it('stripPrefix: the prefix is matched as a regular expression and rewritten away, and every path of that host keeps its matching', () => {
    const objects = ingresses(SOCIETY);
    expect(paths(objects.users)).toEqual(['api.society.example ImplementationSpecific /api/users(/|$)(.*) -> users']);
    expect(objects.users.metadata.annotations).toMatchObject({ [`${NGINX}/rewrite-target`]: '/$2', [`${NGINX}/use-regex`]: 'true' });
    // Plain routes of the same host: regular expressions with the matching of their pathType, no rewrite.
    expect(paths(objects.webapp)).toEqual([
      'api.society.example ImplementationSpecific /api/payments/webhook$ -> payments',
      'api.society.example ImplementationSpecific /api/payments(/|$) -> payments',
      'api.society.example ImplementationSpecific / -> web',
    ]);
    expect(objects.webapp.metadata.annotations[`${NGINX}/use-regex`]).toBe('true');
    expect(objects.webapp.metadata.annotations[`${NGINX}/rewrite-target`]).toBeUndefined();
    // Another host is not in regex mode.
    expect(paths(objects.admin)).toEqual(['admin.society.example Prefix / -> admin']);
    expect(objects.admin.metadata.annotations[`${NGINX}/use-regex`]).toBeUndefined();
  });

  it("ingressPath keeps each pathType's matching as a regular expression", () => {
    const route = (path: string, pathType: string, stripPrefix = false) => ({ path, pathType, settings: { stripPrefix } }) as unknown as IngressRoute;
    const matches = (p: string, request: string) => new RegExp(`^${p}`, 'i').test(request);
    const prefix = ingressPath(route('/api/', 'Prefix'), true).path;
    expect([matches(prefix, '/api'), matches(prefix, '/api/x'), matches(prefix, '/apix')]).toEqual([true, true, false]);
    const exact = ingressPath(route('/v1.0/ping', 'Exact'), true).path;
    expect([matches(exact, '/v1.0/ping'), matches(exact, '/v1x0/ping'), matches(exact, '/v1.0/ping/x')]).toEqual([true, false, false]);
    const strip = ingressPath(route('/api/users', 'Prefix', true), true).path;
    expect('/api/users/42'.match(new RegExp(`^${strip}`))?.[2]).toBe('42');
    expect('/api/users'.match(new RegExp(`^${strip}`))?.[2]).toBe('');
    expect(ingressPath(route('/api', 'Prefix'), false)).toEqual({ path: '/api', pathType: 'Prefix' });
  });
});

describe('canary per host', () => {
  it("the canary Ingress takes its service's host and paths, as written on the service's Ingress", () => {
    const objects = ingresses(
      `${SOCIETY.replace('ingress: { paths: [{ path: /api/users }], stripPrefix: true }', 'ingress: { paths: [{ path: /api/users }], stripPrefix: true }\n    canary: { enabled: true, tag: "1.1.0" }')}`.replace(
        '    ingress: { host: admin, paths: [{ path: / }], timeouts: { readSeconds: 120 } }',
        '    ingress: { host: admin, paths: [{ path: / }], timeouts: { readSeconds: 120 } }\n    canary: { enabled: true, tag: "1.1.0" }',
      ),
    );
    expect(paths(objects['users-canary'])).toEqual(['api.society.example ImplementationSpecific /api/users(/|$)(.*) -> users-canary']);
    expect(paths(objects['admin-canary'])).toEqual(['admin.society.example Prefix / -> admin-canary']);
    expect(objects['admin-canary'].metadata.annotations[`${NGINX}/canary`]).toBe('true');
  });
});

describe('valid objects, clean policy report, unchanged reference', () => {
  it('the split Ingresses pass the Kubernetes schemas and the policy report', () => {
    for (const text of [VOTING, SOCIETY]) {
      const env = renderYaml(text);
      expect(() => validateRendered([env])).not.toThrow();
      expect(checkObjects(objectsOf(env)).filter((v) => v.object.startsWith('Ingress'))).toEqual([]);
    }
  });

  it('an environment without hosts or settings keeps its one Ingress, named app.name', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      expect(findAll(renderReference(env), 'Ingress').map((i) => i.metadata.name)).toEqual(['webapp']);
    }
    expect(ingressObjects(configFromYaml('tier: prod\n')).map((o) => [o.name, o.certificate, o.regex])).toEqual([['webapp', true, false]]);
    expect(ingressHosts(configFromYaml('tier: prod\n'))).toEqual([{ host: 'app.example.com', tls: { secretName: 'webapp-tls', clusterIssuer: 'letsencrypt-prod' } }]);
  });
});

describe('mistakes', () => {
  it('name the key and line', () => {
    expect(problems(VOTING.replace('      host: result\n', '      host: results\n'))).toEqual([
      'services.result.ingress.host (line 15, column 7): "results" is no key of ingress.hosts (result): declare the host there (ingress.hosts.results.host), or leave ingress.host out to route on vote.example.com',
    ]);
    expect(problems(VOTING.replace('result: { host: result.example.com }', 'result: { host: vote.example.com }'))).toEqual([
      'ingress.hosts.result.host (line 5, column 15): "vote.example.com" is already ingress.host: declare each host once',
    ]);
    expect(problems(VOTING.replace('result: { host: result.example.com }', 'result: { host: 10.0.0.1 }'))[0]).toMatch(/not an IP address/);
    expect(problems(SOCIETY.replace('ingress: { paths: [{ path: / }] }', 'ingress: { paths: [{ path: / }], stripPrefix: true }'))).toEqual([
      'services.web.ingress.paths[0].path (line 20, column 26): stripPrefix on "/" would remove nothing: route a longer prefix such as "/api", or drop stripPrefix',
    ]);
    expect(
      problems(SOCIETY.replace('ingress: { paths: [{ path: /api/users }], stripPrefix: true }', 'ingress: { paths: [{ path: /api/users, pathType: Exact }], stripPrefix: true }')),
    ).toEqual(['services.users.ingress.paths[0].pathType (line 11, column 44): stripPrefix removes a path prefix: the path must be a Prefix path, not Exact']);
  });

  it('Ingress names must not collide', () => {
    // A further host "result" of app "web" is the Ingress web-result; a service named web-result with its own settings too.
    const text = `app: { name: web }\n${VOTING.replace('websocket: true', 'websocket: false').replace(
      '  result:\n    image: { repository: acme/result, tag: "1.0.0" }\n    ingress:\n      host: result\n      paths: [{ path: / }]\n      websocket: false\n      sessionAffinity: { cookie: result-affinity, maxAgeSeconds: 3600 }\n',
      '  result:\n    image: { repository: acme/result, tag: "1.0.0" }\n    ingress: { host: result, paths: [{ path: / }] }\n  web-result:\n    image: { repository: acme/x, tag: "1" }\n    ingress: { paths: [{ path: /x }], websocket: true }\n',
    )}`;
    expect(problems(text)).toEqual([
      'services.web-result (line 16, column 3): "web-result" names the Ingress of service "web-result", and the Ingress of host "result" (<app.name>-<key>) has the same name; rename the service',
    ]);
  });
});

function problems(yamlText: string): string[] {
  try {
    configFromYaml(yamlText);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
