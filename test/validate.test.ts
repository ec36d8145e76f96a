import { describe, it, expect } from 'vitest';
import { validateManifests, validateObject } from '../core/validate/index.js';

type Obj = Record<string, any>;

const clone = <T>(o: T): T => structuredClone(o);
const messages = (o: Obj): string[] => validateObject(o).map((i) => i.message);

const labels = { 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/part-of': 'web' };

const deployment: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'backend', namespace: 'web', labels },
  spec: {
    replicas: 2,
    selector: { matchLabels: labels },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { labels, annotations: { 'prometheus.io/scrape': 'true' } },
      spec: {
        serviceAccountName: 'backend',
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        containers: [
          {
            name: 'api',
            image: 'ghcr.io/example/backend:1.2.3',
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [
              { name: 'NODE_ENV', value: 'production' },
              { name: 'MONGO_URL', valueFrom: { secretKeyRef: { name: 'mongo', key: 'url' } } },
            ],
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
};

const service: Obj = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'backend', namespace: 'web', labels },
  spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
};

const hpa: Obj = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'backend', namespace: 'web' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' },
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
  },
};

const ingress: Obj = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'web', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
  spec: {
    ingressClassName: 'nginx',
    tls: [{ hosts: ['app.example.com'], secretName: 'web-tls' }],
    rules: [
      {
        host: 'app.example.com',
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'backend', port: { name: 'http' } } } },
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'frontend', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};

const serviceMonitor: Obj = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: { name: 'backend', namespace: 'web', labels: { release: 'prometheus' } },
  spec: {
    selector: { matchLabels: labels },
    namespaceSelector: { matchNames: ['web'] },
    endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
  },
};

const prometheusRule: Obj = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'backend', namespace: 'web' },
  spec: {
    groups: [
      {
        name: 'backend.rules',
        rules: [
          {
            alert: 'BackendDown',
            expr: 'up{job="backend"} == 0',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: 'Backend is down' },
          },
        ],
      },
    ],
  },
};

const application: Obj = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web-prod', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/example/platform.git', targetRevision: 'main', path: 'dist/prod' },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  },
};

const valid: [string, Obj][] = [
  ['Deployment', deployment],
  ['Service', service],
  ['HorizontalPodAutoscaler autoscaling/v2', hpa],
  ['Ingress', ingress],
  ['ServiceMonitor', serviceMonitor],
  ['PrometheusRule', prometheusRule],
  ['Argo CD Application', application],
];

describe('valid manifests', () => {
  it.each(valid)('%s has no issues', (_name, obj) => {
    expect(validateObject(obj)).toEqual([]);
  });

  it('validateManifests returns no issues for the whole valid set', () => {
    expect(validateManifests(valid.map(([, o]) => o))).toEqual([]);
  });

  it('free-form maps (ConfigMap data, labels) are not reported as unknown fields', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'web', labels: { anything: 'goes' } },
      data: { LOG_LEVEL: 'info', 'config.json': '{}' },
    };
    expect(validateObject(cm)).toEqual([]);
  });

  it('x-kubernetes-preserve-unknown-fields content (Argo CD helm valuesObject) is accepted', () => {
    const app = clone(application);
    app.spec.source.helm = { releaseName: 'web', valuesObject: { replicaCount: 2, image: { tag: '1.2.3' }, anything: [1, 'a'] } };
    expect(validateObject(app)).toEqual([]);
  });

  it('int-or-string CRD fields accept both integers and strings', () => {
    for (const targetPort of [8080, 'http']) {
      const sm = clone(serviceMonitor);
      sm.spec.endpoints[0].targetPort = targetPort;
      expect(validateObject(sm)).toEqual([]);
    }
    const sm = clone(serviceMonitor);
    sm.spec.endpoints[0].targetPort = true;
    expect(messages(sm)).toEqual(['ServiceMonitor/backend: spec.endpoints[0].targetPort: must be string or integer, got boolean true']);
  });
});

describe('broken built-in objects', () => {
  it('reports replicas: "two" on spec.replicas', () => {
    const d = clone(deployment);
    d.spec.replicas = 'two';
    const issues = validateObject(d);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'Deployment', name: 'backend', namespace: 'web' });
    expect(issues[0]?.message).toBe('Deployment/backend: spec.replicas: must be integer, got string "two"');
  });

  it('reports a missing spec.selector', () => {
    const d = clone(deployment);
    delete d.spec.selector;
    expect(messages(d)).toEqual(['Deployment/backend: spec.selector: required field is missing']);
  });

  it('reports a string containerPort', () => {
    const d = clone(deployment);
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(messages(d)).toEqual(['Deployment/backend: spec.template.spec.containers[0].ports[0].containerPort: must be integer, got string "http"']);
  });

  it('reports the unknown field typo spec.replica', () => {
    const d = clone(deployment);
    d.spec.replica = 3;
    expect(messages(d)).toEqual(['Deployment/backend: spec.replica: unknown field']);
  });

  it('reports unknown fields deep inside the pod template', () => {
    const d = clone(deployment);
    d.spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.optinal = true;
    expect(messages(d)).toEqual(['Deployment/backend: spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.optinal: unknown field']);
  });

  it('reports a quantity of the wrong type readably', () => {
    const d = clone(deployment);
    d.spec.template.spec.containers[0].resources.limits.cpu = false;
    expect(messages(d)).toEqual(['Deployment/backend: spec.template.spec.containers[0].resources.limits.cpu: must be string or number, got boolean false']);
  });

  it('reports an invalid object name', () => {
    const s = clone(service);
    s.metadata.name = 'Backend_API';
    expect(messages(s)).toHaveLength(1);
    expect(messages(s)[0]).toMatch(/^Service\/Backend_API: metadata\.name: "Backend_API" is not a valid DNS-1035 label/);
  });
});

describe('broken custom resources', () => {
  it('reports ServiceMonitor endpoints: "x"', () => {
    const sm = clone(serviceMonitor);
    sm.spec.endpoints = 'x';
    expect(messages(sm)).toEqual(['ServiceMonitor/backend: spec.endpoints: must be array, got string "x"']);
  });

  it('reports a PrometheusRule group without name', () => {
    const pr = clone(prometheusRule);
    delete pr.spec.groups[0].name;
    expect(messages(pr)).toEqual(['PrometheusRule/backend: spec.groups[0].name: required field is missing']);
  });

  it('reports unknown fields in a CRD-backed object', () => {
    const app = clone(application);
    app.spec.syncPolicy.automated.selfheal = true;
    expect(messages(app)).toEqual(['Application/web-prod: spec.syncPolicy.automated.selfheal: unknown field']);
  });

  it('reports an invalid custom resource name and namespace', () => {
    const sm = clone(serviceMonitor);
    sm.metadata.name = 'Backend';
    sm.metadata.namespace = 'web.prod';
    const msgs = messages(sm);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatch(/^ServiceMonitor\/Backend: metadata\.name: "Backend" is not a valid DNS-1123 subdomain/);
    expect(msgs[1]).toMatch(/^ServiceMonitor\/Backend: metadata\.namespace: "web\.prod" is not a valid DNS-1123 label/);
  });

  it('reports a CRD version that does not exist', () => {
    const sm = clone(serviceMonitor);
    sm.apiVersion = 'monitoring.coreos.com/v2';
    expect(messages(sm)).toHaveLength(1);
    expect(messages(sm)[0]).toMatch(/^ServiceMonitor\/backend: apiVersion: .*has no version "v2"/);
  });
});

describe('unknown kinds and collections', () => {
  it('reports an apiVersion/kind without schema', () => {
    const widget = { apiVersion: 'foo.example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'web' }, spec: {} };
    const issues = validateObject(widget);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'Widget', name: 'w', namespace: 'web' });
    expect(issues[0]?.message).toMatch(/^Widget\/w: no schema for foo\.example\.com\/v1\/Widget/);
  });

  it('does not treat non-top-level model types as kinds', () => {
    const spec = { apiVersion: 'apps/v1', kind: 'DeploymentSpec', metadata: { name: 'x' } };
    expect(messages(spec)[0]).toMatch(/no schema for apps\/v1\/DeploymentSpec/);
  });

  it('validateManifests collects issues of all objects and flags duplicates', () => {
    const broken = clone(deployment);
    broken.spec.replicas = 'two';
    const msgs = validateManifests([service, broken, clone(service)]).map((i) => i.message);
    expect(msgs).toEqual(['Deployment/backend: spec.replicas: must be integer, got string "two"', expect.stringMatching(/^Service\/backend: duplicate object/)]);
  });

  it('validates 100 objects of every kind it knows, reusing its compiled validators', () => {
    const base = [deployment, service, hpa, ingress, serviceMonitor, prometheusRule, application];
    validateManifests(base); // warm-up: loads models, compiles CRD schemas
    const objs = Array.from({ length: 100 }, (_, i) => {
      const o = clone(base[i % base.length]!);
      o.metadata.name = `obj-${i}`;
      return o;
    });
    // How fast is for `npm run bench` to measure: a duration asserted here fails under load.
    expect(validateManifests(objs)).toEqual([]);
  });
});
