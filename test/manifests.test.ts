import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../config/load.js';
import { environmentContext, loggingNamespace } from '../config/context.js';
import { validateManifests } from '../core/validate/index.js';
import { ENVIRONMENTS, find, findAll, objectsOf, podTemplates, renderCommitted, renderYaml } from './helpers.js';
import { renderReference } from './setup/reference.js';

const prod = renderReference('prod');
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
/**
 * The log shippers discover pods through the API, so they keep a ServiceAccount token. One that
 * reads the pods' log files from the node (hostPath /var/log/pods, root-owned: Promtail, Alloy in
 * file mode) cannot meet "restricted"; its logging namespace enforces "privileged" for that reason
 * (charts/observability/logging-chart.ts).
 */
const LOG_SHIPPERS = new Set(['DaemonSet/alloy', 'DaemonSet/promtail']);
const enforced = (env: ReturnType<typeof renderCommitted>, namespace: string): string => find(env, 'Namespace', namespace).metadata.labels['pod-security.kubernetes.io/enforce'];
const dev = renderReference('dev');

describe.each(ENVIRONMENTS)('environment %s', (name) => {
  const env = renderCommitted(name);
  const objects = objectsOf(env);
  const context = environmentContext(name, loadEnvironment(name).config);

  it('validates against the Kubernetes and CRD schemas', () => {
    expect(validateManifests(objects)).toEqual([]);
  });

  it('carries the six recommended labels on every object', () => {
    for (const o of objects as any[]) {
      const labels = o.metadata.labels ?? {};
      for (const key of ['name', 'instance', 'version', 'component', 'part-of', 'managed-by']) {
        expect(labels, `${o.kind}/${o.metadata.name} lacks app.kubernetes.io/${key}`).toHaveProperty([`app.kubernetes.io/${key}`]);
      }
    }
  });

  it('puts every namespaced object in the environment namespace, logging in the logging namespace', () => {
    const namespace = context.namespace;
    const logging = loggingNamespace(context);
    expect(findAll(env, 'Namespace').map((n) => n.metadata.name)).toEqual(context.config.logs.enabled ? [namespace, logging] : [namespace]);
    for (const file of env.files) {
      for (const o of file.objects as any[]) {
        const where = `${file.name}: ${o.kind}/${o.metadata.name}`;
        if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace, where).toBeUndefined();
        // The shipper's Role to read pods lives in each namespace it ships from.
        else if (file.name === '60-logging.yaml' && ['Role', 'RoleBinding'].includes(o.kind)) expect([namespace, logging], where).toContain(o.metadata.namespace);
        else if (file.name === '60-logging.yaml') expect(o.metadata.namespace, where).toBe(logging);
        // The policies guarding the logging namespace live there; everything else in the environment's.
        else if (o.kind === 'NetworkPolicy') expect([namespace, logging], where).toContain(o.metadata.namespace);
        else expect(o.metadata.namespace, where).toBe(namespace);
      }
    }
  });

  it('uses stable, readable names without hash suffixes', () => {
    for (const o of objects as any[]) expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
  });

  it('never writes a secret value: credentials are secretKeyRefs', () => {
    expect(findAll(env, 'Secret')).toEqual([]);
    for (const { owner, spec } of podTemplates(env)) {
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN|USERNAME/.test(e.name)) {
            expect(e.value, `${owner} ${c.name} ${e.name}`).toBeUndefined();
            expect(e.valueFrom?.secretKeyRef, `${owner} ${c.name} ${e.name}`).toBeDefined();
          }
        }
      }
    }
    for (const cm of findAll(env, 'ConfigMap')) {
      for (const key of Object.keys(cm.data ?? {})) expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN/);
    }
  });

  const privileged = (o: any) => enforced(env, o.metadata.namespace) === 'privileged';
  const templates = objectsOf(env)
    .filter((o: any) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))
    .map((o: any) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec, privileged: privileged(o), namespace: o.metadata.namespace }));

  it('runs every pod under the restricted Pod Security profile (but a log shipper that reads host paths, see below)', () => {
    for (const { owner, spec } of templates.filter((t) => !t.privileged)) {
      expect(spec.securityContext, owner).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.securityContext.runAsUser, owner).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken, owner).toBe(LOG_SHIPPERS.has(owner));
      expect(spec.volumes?.filter((v: any) => v.hostPath) ?? [], owner).toEqual([]);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext, `${owner} ${c.name}`).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources?.requests?.cpu, `${owner} ${c.name} requests`).toBeDefined();
        expect(c.resources?.limits?.memory, `${owner} ${c.name} limits`).toBeDefined();
      }
    }
    expect(find(env, 'Namespace', context.namespace).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('admits only a log shipper that reads host paths to a privileged logging namespace, still locked down', () => {
    for (const { owner, spec, namespace } of templates.filter((t) => t.privileged)) {
      expect(LOG_SHIPPERS.has(owner), owner).toBe(true);
      expect(namespace).toBe(loggingNamespace(context));
      // Only the node's pod logs (read-only) and its own positions directory come from the host.
      expect(spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path)).toEqual([`/var/lib/${owner.split('/')[1]}/${namespace}`, '/var/log/pods']);
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true });
      expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      for (const c of spec.containers) {
        expect(c.securityContext, `${owner} ${c.name}`).toMatchObject({
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources?.limits?.memory, `${owner} ${c.name} limits`).toBeDefined();
      }
    }
  });

  it('omits spec.replicas on every Deployment an HPA manages', () => {
    for (const hpa of findAll(env, 'HorizontalPodAutoscaler')) {
      const target = find(env, 'Deployment', hpa.spec.scaleTargetRef.name);
      expect(target, hpa.metadata.name).toBeDefined();
      expect(target.spec).not.toHaveProperty('replicas');
    }
  });

  it('selects pods on name, instance and (web services) track, never on version', () => {
    const webServices = new Set(
      findAll(env, 'Deployment')
        .filter((d) => d.spec.template.metadata.labels.track)
        .map((d) => d.metadata.labels['app.kubernetes.io/name']),
    );
    for (const o of objects as any[]) {
      const selector = o.kind === 'Service' ? o.spec.selector : o.kind === 'ServiceMonitor' ? undefined : o.spec?.selector?.matchLabels;
      if (!selector) continue;
      const expected = ['app.kubernetes.io/instance', 'app.kubernetes.io/name', ...(webServices.has(selector['app.kubernetes.io/name']) ? ['track'] : [])];
      expect(Object.keys(selector).sort(), `${o.kind}/${o.metadata.name}`).toEqual(expected);
    }
  });

  it('routes every Ingress path to an existing Service port', () => {
    for (const ingress of findAll(env, 'Ingress')) {
      for (const rule of ingress.spec.rules) {
        for (const p of rule.http.paths) {
          const service = find(env, 'Service', p.backend.service.name);
          expect(service, p.path).toBeDefined();
          expect(service.spec.ports.map((port: any) => port.name)).toContain(p.backend.service.port.name);
        }
      }
    }
  });
});

describe('backend (prod)', () => {
  const deployment = find(prod, 'Deployment', 'backend');
  const container = deployment.spec.template.spec.containers[0];

  it('probes /health with the reference timings', () => {
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 30, timeoutSeconds: 5 });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/health' }, periodSeconds: 10, timeoutSeconds: 3 });
    expect(container.startupProbe).toMatchObject({ httpGet: { path: '/health' }, periodSeconds: 5, failureThreshold: 30 });
  });

  it('requests 200m/256Mi and is limited to 1 CPU (1000m)/512Mi', () => {
    expect(container.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  it('listens on 5000 and gets NODE_ENV, PORT and datastore hosts from its ConfigMap', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 5000, protocol: 'TCP' }]);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'backend-config' } }]);
    const data = find(prod, 'ConfigMap', 'backend-config').data;
    expect(data).toMatchObject({ NODE_ENV: 'production', PORT: '5000', REDIS_HOST: 'redis.webapp-prod.svc.cluster.local', MONGODB_REPLICA_SET: 'rs0' });
  });

  it('rolls its pods when its settings change (checksum annotation)', () => {
    const other = renderYaml('tier: prod\nservices:\n  backend:\n    env: { LOG_LEVEL: debug }\n');
    const same = renderYaml('tier: prod\n');
    const annotation = (env: typeof prod) => find(env, 'Deployment', 'backend').spec.template.metadata.annotations['checksum/config'];
    expect(annotation(other)).not.toBe(annotation(same));
    expect(annotation(renderYaml('tier: prod\n'))).toBe(annotation(same));
  });

  it('mounts the shared 50Gi ReadWriteMany uploads volume', () => {
    const claim = find(prod, 'PersistentVolumeClaim', 'backend-uploads');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'azurefile' });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'uploads', persistentVolumeClaim: { claimName: 'backend-uploads' } });
    expect(container.volumeMounts).toContainEqual({ name: 'uploads', mountPath: '/app/uploads' });
  });

  it('autoscales 2-10 at CPU 70% / memory 80% and scales down after 300s', () => {
    const hpa = find(prod, 'HorizontalPodAutoscaler', 'backend');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  it('drains in-flight requests before stopping', () => {
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(35);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('is exposed by a ClusterIP Service on port 80', () => {
    expect(find(prod, 'Service', 'backend').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
  });
});

describe('frontend (prod)', () => {
  const pod = find(prod, 'Deployment', 'frontend').spec.template.spec;
  it('probes / and has no startup probe', () => {
    expect(pod.containers[0].livenessProbe).toMatchObject({ httpGet: { path: '/' }, periodSeconds: 30 });
    expect(pod.containers[0].readinessProbe).toMatchObject({ httpGet: { path: '/' }, periodSeconds: 10 });
    expect(pod.containers[0].startupProbe).toBeUndefined();
  });
  it('gives unprivileged nginx writable emptyDirs for its cache, run and temp dirs', () => {
    expect(pod.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/var/cache/nginx', '/var/run']);
    expect(pod.volumes.every((v: any) => v.emptyDir)).toBe(true);
  });
  it('autoscales 2-8', () => {
    expect(find(prod, 'HorizontalPodAutoscaler', 'frontend').spec).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
  });
});

describe('MongoDB', () => {
  const sts = find(prod, 'StatefulSet', 'mongodb');
  const container = sts.spec.template.spec.containers[0];
  it('is a StatefulSet with a 20Gi ReadWriteOnce claim template behind a headless Service', () => {
    expect(sts.spec.serviceName).toBe('mongodb');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(find(prod, 'Service', 'mongodb').spec.clusterIP).toBe('None');
  });
  it('probes TCP 27017 every 30s and pings with mongosh every 10s', () => {
    expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 27017 }, periodSeconds: 30 });
    expect(container.readinessProbe).toMatchObject({ exec: { command: ['mongosh', '--quiet', '--eval', "db.adminCommand('ping')"] }, periodSeconds: 10 });
  });
  it('requests 500m/1Gi and is limited to 2 CPUs (2000m)/2Gi', () => {
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
  });
  it('runs a 3-member replica set in prod, with a keyfile and an init Job', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(container.args[0]).toContain('--replSet rs0 --keyFile /etc/mongodb/keyfile/keyfile');
    const job = find(prod, 'Job', 'mongodb-rs-init');
    expect(job.spec.template.spec.containers[0].command[2]).toContain(
      'rs.initiate({"_id":"rs0","members":[{"_id":0,"host":"mongodb-0.mongodb.webapp-prod.svc.cluster.local:27017"}',
    );
    expect(job.spec.template.spec.containers[0].command[2]).toContain('NotYetInitialized');
  });
  it('is a single member without a Job in dev', () => {
    expect(find(dev, 'StatefulSet', 'mongodb').spec.replicas).toBe(1);
    expect(find(dev, 'Job', 'mongodb-rs-init')).toBeUndefined();
  });
});

describe('Redis', () => {
  const container = find(prod, 'StatefulSet', 'redis').spec.template.spec.containers[0];
  it('persists with AOF and takes its password from the Secret by $(VAR) expansion', () => {
    expect(container.args).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--requirepass', '$(REDIS_PASSWORD)']));
    expect(container.env[0]).toEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } });
  });
  it('is probed with redis-cli ping', () => {
    expect(container.readinessProbe.exec.command.join(' ')).toContain('redis-cli -p 6379 ping');
  });
});

describe('Ingress', () => {
  it('routes /api to the backend and / to the frontend with TLS, redirects and rate limits in prod', () => {
    const ingress = find(prod, 'Ingress', 'webapp');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([
      ['/api', 'backend'],
      ['/', 'frontend'],
    ]);
    expect(ingress.spec.tls).toEqual([{ hosts: ['app.example.com'], secretName: 'webapp-tls' }]);
    expect(ingress.metadata.annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/limit-rps': '20',
    });
  });
  it('has no TLS and no rate limit in dev', () => {
    const ingress = find(dev, 'Ingress', 'webapp');
    expect(ingress.spec.tls).toBeUndefined();
    expect(Object.keys(ingress.metadata.annotations).filter((a) => /ssl|limit-|cert-manager/.test(a))).toEqual([]);
  });
});

describe('dev', () => {
  it('runs one replica of each service and no HPA', () => {
    expect(findAll(dev, 'HorizontalPodAutoscaler')).toEqual([]);
    for (const d of findAll(dev, 'Deployment')) expect(d.spec.replicas, d.metadata.name).toBe(1);
  });
});

describe('workloads are data', () => {
  const env = renderYaml(`tier: prod
services:
  frontend: { enabled: false }
  admin:
    image: { registry: ghcr.io, repository: acme/admin, tag: "2.0.0", digest: "sha256:${'b'.repeat(64)}" }
    ingress: { paths: [{ path: /admin }] }
    uses: [redis]
workers:
  mailer:
    image: { repository: acme/mailer, tag: "1.1.0" }
    uses: [mongodb]
    replicas: 3
imagePullSecrets: [ghcr-pull]
`);
  it('adds a service and a worker, removes a disabled one, without code changes', () => {
    expect(find(env, 'Deployment', 'admin').spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/admin:2.0.0@sha256:${'b'.repeat(64)}`);
    expect(find(env, 'Deployment', 'frontend')).toBeUndefined();
    expect(find(env, 'Service', 'mailer')).toBeUndefined();
    expect(find(env, 'Deployment', 'mailer').spec.replicas).toBe(3);
    expect(find(env, 'ConfigMap', 'mailer-config').data.MONGODB_HOSTS).toBe('mongodb-0.mongodb.webapp-test.svc.cluster.local:27017');
    expect(find(env, 'Ingress', 'webapp').spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/admin', '/api']);
    expect(find(env, 'Deployment', 'mailer').spec.template.spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(validateManifests(objectsOf(env))).toEqual([]);
  });
  it('drops a datastore that is disabled and unused', () => {
    const noRedis = renderYaml('tier: prod\nredis: { enabled: false }\nservices: { backend: { uses: [mongodb] } }');
    expect(noRedis.files.map((f) => f.name)).not.toContain('20-redis.yaml');
  });
});
