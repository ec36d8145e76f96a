/**
 * routing.backend gateway-api: HTTPRoutes per host attached to a Gateway (charts/routing/http-route.ts),
 * canaries by weighted backendRefs with header and cookie matches, blue-green by switching
 * backendRefs, route settings translated or refused, an optional generated Gateway; every object
 * validated against the Gateway API v1.6.1 CRDs in imports/crds/ and the policy report clean.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { canaryCommand } from '../cli/canary.js';
import { appFileOf, ENVIRONMENTS_DIR } from '../config/load.js';
import { canaryMatches, httpRoutes, MAX_RULES_PER_ROUTE, serviceRules } from '../charts/routing/http-route.js';
import { environmentContext } from '../config/context.js';
import { ingressRoutes } from '../config/routes.js';
import { validateRendered } from '../core/validate/rendered.js';
import { checkObjects } from '../policy/index.js';
import { configFromYaml, find, findAll, objectsOf, problemsOf, renderYaml } from './helpers.js';

const GATEWAY = 'routing: { backend: gateway-api }\n';

/** Renders, validates against the schemas and CRDs, and checks the policy report is clean. */
function render(yamlText: string) {
  const env = renderYaml(yamlText);
  expect(() => validateRendered([env])).not.toThrow();
  expect(checkObjects(objectsOf(env))).toEqual([]);
  return env;
}

const rulesOf = (route: any) => route.spec.rules as any[];
const backendsOf = (rule: any) => rule.backendRefs.map((b: any) => `${b.name}:${b.port}${b.weight === undefined ? '' : `@${b.weight}`}`);

describe('routing.backend', () => {
  it('defaults to ingress-nginx: Ingress objects, no HTTPRoute', () => {
    const env = renderYaml('tier: prod\n');
    expect(env.files.map((f) => f.name)).toContain('40-ingress.yaml');
    expect(findAll(env, 'HTTPRoute')).toEqual([]);
  });

  it('gateway-api: 40-routes.yaml with one HTTPRoute per host on the configured Gateway, no Ingress', () => {
    const env = render(`routing:\n  backend: gateway-api\n  gateway: { name: public, namespace: gateway-system, sectionName: https }\n`);
    expect(env.files.map((f) => f.name)).toContain('40-routes.yaml');
    expect(env.files.map((f) => f.name)).not.toContain('40-ingress.yaml');
    expect(findAll(env, 'Ingress')).toEqual([]);
    const [route] = findAll(env, 'HTTPRoute');
    expect(route.metadata.name).toBe('webapp');
    expect(route.spec.hostnames).toEqual(['app.example.com']);
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', sectionName: 'https' }]);
    // Longest path first, as the Ingress lists them: /api -> backend, / -> frontend.
    expect(rulesOf(route).map((r) => [r.matches.map((m: any) => `${m.path.type} ${m.path.value}`), backendsOf(r)])).toEqual([
      [['PathPrefix /api'], ['backend:80']],
      [['PathPrefix /'], ['frontend:80']],
    ]);
    // No Gateway is generated unless asked for, and TLS is the Gateway's business.
    expect(findAll(env, 'Gateway')).toEqual([]);
    expect(findAll(env, 'Certificate')).toEqual([]);
  });

  it('further hosts get their own HTTPRoute, named like their Ingress', () => {
    const env = render(
      `${GATEWAY}ingress:\n  hosts:\n    admin: { host: admin.example.com }\nservices:\n  admin:\n    image: { repository: acme/admin, tag: "1.0.0" }\n    ingress: { host: admin, paths: [{ path: /, pathType: Exact }] }\n`,
    );
    const admin = find(env, 'HTTPRoute', 'webapp-admin');
    expect(admin.spec.hostnames).toEqual(['admin.example.com']);
    expect(rulesOf(admin)[0].matches).toEqual([{ path: { type: 'Exact', value: '/' } }]);
    expect(find(env, 'HTTPRoute', 'webapp').spec.hostnames).toEqual(['app.example.com']);
  });
});

describe('canary on the Gateway API', () => {
  it('splits by weighted backendRefs, out of weightTotal, and follows the weight', () => {
    const at = (weight: number) => find(render(`${GATEWAY}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", weight: ${weight} }\n`), 'HTTPRoute', 'webapp');
    expect(backendsOf(rulesOf(at(10))[0])).toEqual(['backend:80@90', 'backend-canary:80@10']);
    expect(backendsOf(rulesOf(at(25))[0])).toEqual(['backend:80@75', 'backend-canary:80@25']);
    const thousandths = find(
      render(`${GATEWAY}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", weightTotal: 1000, steps: [5, 1000], weight: 5 }\n`),
      'HTTPRoute',
      'webapp',
    );
    expect(backendsOf(rulesOf(thousandths)[0])).toEqual(['backend:80@995', 'backend-canary:80@5']);
  });

  it('routes header and cookie "always" to the canary and "never" to stable, header rules first (ingress-nginx order)', () => {
    const route = find(render(`${GATEWAY}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", header: { name: X-Canary }, cookie: canary }\n`), 'HTTPRoute', 'webapp');
    const backend = rulesOf(route).filter((r) => r.matches[0].path.value === '/api');
    expect(backend.map((r) => [r.matches[0].headers ?? [], backendsOf(r)])).toEqual([
      [[{ type: 'Exact', name: 'X-Canary', value: 'always' }], ['backend-canary:80']],
      [[{ type: 'Exact', name: 'X-Canary', value: 'never' }], ['backend:80']],
      [[{ type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)canary=always(;|$)' }], ['backend-canary:80']],
      [[{ type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)canary=never(;|$)' }], ['backend:80']],
      [[], ['backend:80@90', 'backend-canary:80@10']],
    ]);
  });

  it('a header value or pattern sends only matching requests to the canary; a cookie name is quoted in the expression', () => {
    const config = configFromYaml(`${GATEWAY}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", header: { name: X-Tier, value: beta } }\n`);
    expect(canaryMatches(config.services.backend.canary)).toEqual([{ headers: [{ type: 'Exact', name: 'X-Tier', value: 'beta' }], to: 'canary' }]);
    const pattern = configFromYaml(`${GATEWAY}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", header: { name: X-Tier, pattern: "^(beta|qa)$" }, cookie: a.b }\n`);
    expect(canaryMatches(pattern.services.backend.canary)).toEqual([
      { headers: [{ type: 'RegularExpression', name: 'X-Tier', value: '^(beta|qa)$' }], to: 'canary' },
      { headers: [{ type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)a\\.b=always(;|$)' }], to: 'canary' },
      { headers: [{ type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)a\\.b=never(;|$)' }], to: 'stable' },
    ]);
  });

  it('npm run canary start and rollback edit the config, and the HTTPRoute follows', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'gateway-canary-'));
    try {
      const configDir = join(scratch, 'environments');
      const outdir = join(scratch, 'dist');
      cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
      cpSync(appFileOf(), appFileOf(configDir));
      const prodFile = join(configDir, 'prod.yaml');
      writeFileSync(prodFile, `${readFileSync(prodFile, 'utf8')}routing:\n  backend: gateway-api\n`);
      const io = { out: () => undefined, err: () => undefined };
      const run = (...args: string[]) => canaryCommand([...args, '--env', 'prod', '--config-dir', configDir, '--outdir', outdir], io);
      const route = () =>
        parseAllDocuments(readFileSync(join(outdir, 'prod', '40-routes.yaml'), 'utf8'))
          .map((d) => d.toJS())
          .find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'webapp');
      expect(await run('start', '--image-tag', '1.1.0')).toBe(0);
      expect(backendsOf(rulesOf(route())[0])).toEqual(['backend:80@90', 'backend-canary:80@10']);
      expect(await run('rollback')).toBe(0);
      expect(backendsOf(rulesOf(route())[0])).toEqual(['backend:80']);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('blue-green on the Gateway API', () => {
  const at = (active: string) => render(`${GATEWAY}services:\n  backend:\n    blueGreen: { enabled: true, active: ${active}, idleTag: "0.9.0" }\n`);

  it('switches the backendRef to the active colour, whose Service exists for it', () => {
    for (const colour of ['blue', 'green']) {
      const env = at(colour);
      expect(backendsOf(rulesOf(find(env, 'HTTPRoute', 'webapp'))[0])).toEqual([`backend-${colour}:80`]);
      // In-cluster callers keep using the backend Service, which selects the active colour too.
      expect(find(env, 'Service', 'backend').spec.selector.track).toBe(colour);
    }
  });

  it('a Service per colour, left out of the ServiceMonitor so no pod is scraped twice', () => {
    const env = at('blue');
    for (const colour of ['blue', 'green']) {
      const service = find(env, 'Service', `backend-${colour}`);
      expect(service.spec.selector.track).toBe(colour);
      expect(service.metadata.labels['route-target']).toBe('true');
    }
    expect(find(env, 'ServiceMonitor', 'backend').spec.selector.matchExpressions).toEqual([{ key: 'route-target', operator: 'DoesNotExist' }]);
    // ingress-nginx output is unchanged: no colour Services, a plain selector.
    const nginx = renderYaml('tier: prod\nservices:\n  backend:\n    blueGreen: { enabled: true, idleTag: "0.9.0" }\n');
    expect(find(nginx, 'Service', 'backend-blue')).toBeUndefined();
    expect(find(nginx, 'ServiceMonitor', 'backend').spec.selector.matchExpressions).toBeUndefined();
  });
});

describe('route settings', () => {
  it('stripPrefix becomes a URLRewrite, read timeouts and websockets rules[].timeouts', () => {
    const env = render(`${GATEWAY}services:\n  backend:\n    ingress: { stripPrefix: true, timeouts: { readSeconds: 120 } }\n  frontend:\n    ingress: { websocket: true }\n`);
    const [api, root] = rulesOf(find(env, 'HTTPRoute', 'webapp'));
    expect(api.filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
    expect(api.timeouts).toEqual({ request: '120s', backendRequest: '120s' });
    expect(root.filters).toBeUndefined();
    expect(root.timeouts).toEqual({ request: '3600s', backendRequest: '3600s' });
  });

  it('settings without a Gateway API equivalent are config errors at their line', () => {
    const text = `${GATEWAY}ingress:
  annotations: { nginx.ingress.kubernetes.io/server-snippet: "x" }
services:
  backend:
    ingress:
      sessionAffinity: {}
      timeouts: { connectSeconds: 5, sendSeconds: 30 }
      proxyBodySize: 10m
      annotations: { nginx.ingress.kubernetes.io/proxy-buffering: "off" }
  frontend:
    ingress: { paths: [{ path: "/(.*)", pathType: ImplementationSpecific }] }
`;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/^ingress\.annotations \(line 3, column 3\): ingress-nginx annotations has no Gateway API equivalent .*set routing\.backend: ingress-nginx$/),
      expect.stringMatching(/^services\.backend\.ingress\.sessionAffinity \(line 7, column 7\): cookie affinity has no Gateway API equivalent/),
      expect.stringMatching(/^services\.backend\.ingress\.timeouts\.connectSeconds \(line 8, column 19\): a connect timeout has no Gateway API equivalent/),
      expect.stringMatching(/^services\.backend\.ingress\.timeouts\.sendSeconds \(line 8, column 38\): a send timeout/),
      expect.stringMatching(/^services\.backend\.ingress\.proxyBodySize \(line 9, column 7\): a body size limit/),
      expect.stringMatching(/^services\.backend\.ingress\.annotations \(line 10, column 7\): ingress-nginx annotations/),
      expect.stringMatching(/^services\.frontend\.ingress\.paths\[0\]\.pathType \(line 12, column 41\): an HTTPRoute matches paths by Prefix or Exact/),
    ]);
    // The same settings are fine on ingress-nginx.
    expect(problemsOf(text.replace(GATEWAY, ''))).toEqual([]);
  });

  it('a host with more services than one HTTPRoute holds spills into <name>-2', () => {
    const services = Array.from({ length: 20 }, (_, i) => `  s${i}:\n    image: { repository: acme/s, tag: "1.0.0" }\n    ingress: { paths: [{ path: /s${i} }] }\n`).join('');
    const env = render(`${GATEWAY}services:\n${services}`);
    const routes = findAll(env, 'HTTPRoute');
    expect(routes.map((r) => [r.metadata.name, rulesOf(r).length])).toEqual([
      ['webapp', MAX_RULES_PER_ROUTE],
      ['webapp-2', 22 - MAX_RULES_PER_ROUTE],
    ]);
  });

  it('serviceRules and httpRoutes are pure functions of the config', () => {
    const config = configFromYaml(`${GATEWAY}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", cookie: beta }\n`);
    const routes = ingressRoutes(config).filter((r) => r.service === 'backend');
    expect(serviceRules('backend', config.services.backend, routes)).toHaveLength(3);
    const env = environmentContext('prod', config);
    expect(httpRoutes(env)).toEqual(httpRoutes(env));
  });
});

describe('a generated Gateway (routing.gateway.create)', () => {
  const yaml = `routing: { backend: gateway-api, gateway: { create: true, className: eg } }
ingress:
  hosts:
    admin: { host: admin.example.com, tls: { secretName: admin-cert } }
services:
  admin:
    image: { repository: acme/admin, tag: "1.0.0" }
    ingress: { host: admin, paths: [{ path: / }] }
`;

  it('has an HTTP listener and an HTTPS listener per host with the certificate cert-manager issues', () => {
    const env = render(yaml);
    const gateway = find(env, 'Gateway', 'gateway');
    expect(gateway.metadata.namespace).toBe('webapp-test');
    expect(gateway.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(gateway.spec.gatewayClassName).toBe('eg');
    expect(gateway.spec.listeners.map((l: any) => [l.name, l.protocol, l.port, l.hostname, l.tls?.certificateRefs])).toEqual([
      ['http', 'HTTP', 80, undefined, undefined],
      ['https', 'HTTPS', 443, 'app.example.com', [{ kind: 'Secret', name: 'webapp-tls' }]],
      ['https-admin', 'HTTPS', 443, 'admin.example.com', [{ kind: 'Secret', name: 'admin-cert' }]],
    ]);
  });

  it("attaches each host's route to its HTTPS listener, and redirects plain HTTP", () => {
    const env = render(yaml);
    expect(find(env, 'HTTPRoute', 'webapp').spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway', sectionName: 'https' }]);
    expect(find(env, 'HTTPRoute', 'webapp-admin').spec.parentRefs[0].sectionName).toBe('https-admin');
    const redirect = find(env, 'HTTPRoute', 'webapp-admin-https-redirect');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http');
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
  });

  it('without TLS (dev) the routes use the HTTP listener and nothing redirects', () => {
    const env = render(`tier: dev\ningress: { tls: { enabled: false } }\nrouting: { backend: gateway-api, gateway: { create: true, className: eg } }\n`);
    expect(find(env, 'Gateway', 'gateway').spec.listeners.map((l: any) => l.name)).toEqual(['http']);
    expect(findAll(env, 'HTTPRoute').map((r) => [r.metadata.name, r.spec.parentRefs[0].sectionName])).toEqual([['webapp', 'http']]);
  });

  it('needs a className, and lives in the environment namespace', () => {
    expect(problemsOf('routing:\n  backend: gateway-api\n  gateway: { create: true, namespace: infra }\n')).toEqual([
      expect.stringMatching(/^routing\.gateway\.className \(line 3, column 3\): a generated Gateway \(routing\.gateway\.create\) needs its gatewayClassName/),
      expect.stringMatching(/^routing\.gateway\.namespace \(line 3, column 28\): a generated Gateway lives in the environment's namespace/),
    ]);
  });
});
