/**
 * Workload shapes: StatefulSet or Deployment, probe types, extra ports, update strategies, files,
 * init containers and sidecars, ServiceAccount annotations, scheduling, token mounting, and
 * explicit security exceptions: what the config says, what the objects become, that they pass
 * the Kubernetes schemas and the policy report, and the located errors of mistakes.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSource } from '../config/files.js';
import { loadEnvironment } from '../config/load.js';
import { levelFor, namespaceLevel } from '../config/pod-security.js';
import { renderEnvironment } from '../charts/render.js';
import { validateManifests } from '../core/validate/index.js';
import { checkObjects } from '../policy/index.js';
import { configFromYaml, find, findAll, objectsOf, problemsOf, renderYaml } from './helpers.js';

const pod = (o: any) => o.spec.template.spec;
const main = (o: any) => pod(o).containers[0];
const errorsOf = (objects: ReturnType<typeof objectsOf>) => checkObjects(objects).filter((v) => v.severity === 'error');

/** A database run as a stateful workload of its own (instead of the built-in datastore). */
const POSTGRES = `
services:
  postgres:
    kind: StatefulSet
    image: { registry: docker.io, repository: library/postgres, tag: "16.4" }
    port: 5432
    servicePort: 5432
    replicas: 1
    metrics: { enabled: false }
    preStopDelaySeconds: 0
    securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 }
    writablePaths: [/tmp, /var/run/postgresql]
    volumes:
      data: { size: 5Gi, mountPath: /var/lib/postgresql/data }
    probes:
      liveness: { type: tcp }
      readiness: { type: exec, command: [pg_isready, -U, postgres] }
      startup: { type: tcp, failureThreshold: 60 }
    files:
      init.sql: { mountPath: /docker-entrypoint-initdb.d/init.sql, content: "CREATE TABLE votes (id text primary key, vote text);\\n" }
`;

describe('a StatefulSet workload', () => {
  const env = renderYaml(POSTGRES);
  const set = find(env, 'StatefulSet', 'postgres');

  it('is a StatefulSet with a claim per pod and a headless Service, and no shared PersistentVolumeClaim', () => {
    expect(find(env, 'Deployment', 'postgres')).toBeUndefined();
    expect(set.spec.serviceName).toBe('postgres-headless');
    expect(set.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(set.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'webapp-test' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
      },
    ]);
    expect(pod(set).volumes.map((v: any) => v.name)).not.toContain('data');
    expect(main(set).volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    expect(findAll(env, 'PersistentVolumeClaim').map((c) => c.metadata.name)).not.toContain('postgres-data');
    const headless = find(env, 'Service', 'postgres-headless');
    expect(headless.spec.clusterIP).toBe('None');
    // All the workload's pods, whatever their track.
    expect(headless.spec.selector).toEqual({ 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'webapp-test' });
    expect(find(env, 'Service', 'postgres').spec.ports).toEqual([{ name: 'http', port: 5432, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('probes by TCP and by a command', () => {
    expect(main(set).livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(main(set).readinessProbe.exec).toEqual({ command: ['pg_isready', '-U', 'postgres'] });
    expect(main(set).startupProbe).toMatchObject({ tcpSocket: { port: 'http' }, failureThreshold: 60 });
  });

  it('mounts its files read-only from <name>-files, and a change of a file rolls the pods', () => {
    expect(find(env, 'ConfigMap', 'postgres-files').data).toEqual({ 'init.sql': 'CREATE TABLE votes (id text primary key, vote text);\n' });
    expect(main(set).volumeMounts).toContainEqual({ name: 'config-files', mountPath: '/docker-entrypoint-initdb.d/init.sql', subPath: 'init.sql', readOnly: true });
    expect(pod(set).volumes).toContainEqual({ name: 'config-files', configMap: { name: 'postgres-files', defaultMode: 0o444, items: [{ key: 'init.sql', path: 'init.sql' }] } });
    const changed = find(renderYaml(POSTGRES.replace('vote text', 'vote varchar(8)')), 'StatefulSet', 'postgres');
    expect(set.spec.template.metadata.annotations['checksum/files']).toMatch(/^[a-f0-9]{64}$/);
    expect(changed.spec.template.metadata.annotations['checksum/files']).not.toBe(set.spec.template.metadata.annotations['checksum/files']);
    expect(changed.spec.template.metadata.annotations['checksum/config']).toBe(set.spec.template.metadata.annotations['checksum/config']);
  });

  it('scales through an HPA that targets the StatefulSet, and OnDelete is its other strategy', () => {
    const scaled = renderYaml(`${POSTGRES}    updateStrategy: OnDelete\n    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 3 }\n`);
    expect(find(scaled, 'HorizontalPodAutoscaler', 'postgres').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres' });
    expect(find(scaled, 'StatefulSet', 'postgres').spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(find(scaled, 'PodDisruptionBudget', 'postgres').spec.maxUnavailable).toBe(1);
  });

  it('passes the Kubernetes schemas and the policy report, with its NetworkPolicy', () => {
    expect(validateManifests(objectsOf(env))).toEqual([]);
    expect(errorsOf(objectsOf(env))).toEqual([]);
    expect(find(env, 'NetworkPolicy', 'postgres')).toBeUndefined(); // nothing calls it yet: default-deny covers it
  });
});

describe('ports, probes and strategies of any workload', () => {
  const CHAIN = `
services:
  chain:
    image: { registry: docker.io, repository: ethereum/client-go, tag: v1.14.8 }
    port: 8545
    updateStrategy: Recreate
    metrics: { enabled: false }
    ports:
      p2p: { port: 30303 }
      discovery: { port: 30303, protocol: UDP }
      grpc: { port: 9090, servicePort: 90 }
    probes:
      liveness: { type: grpc, port: 9090, grpcService: health }
      readiness: { type: tcp, port: p2p }
      startup: { enabled: false }
workers:
  tally:
    image: { registry: docker.io, repository: acme/tally, tag: "1.0" }
    updateStrategy: Recreate
    ports:
      health: { port: 8081 }
    probes:
      liveness: { enabled: true, path: /healthz, port: health }
      readiness: { enabled: true, type: exec, command: [cat, /tmp/ready] }
`;
  const env = renderYaml(CHAIN);

  it('declares every port on the container and, for a service, on its Service with its protocol', () => {
    const chain = find(env, 'Deployment', 'chain');
    expect(main(chain).ports).toEqual([
      { name: 'http', containerPort: 8545, protocol: 'TCP' },
      { name: 'discovery', containerPort: 30303, protocol: 'UDP' },
      { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
      { name: 'p2p', containerPort: 30303, protocol: 'TCP' },
    ]);
    expect(find(env, 'Service', 'chain').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'discovery', port: 30303, targetPort: 'discovery', protocol: 'UDP' },
      { name: 'grpc', port: 90, targetPort: 'grpc', protocol: 'TCP' },
      { name: 'p2p', port: 30303, targetPort: 'p2p', protocol: 'TCP' },
    ]);
  });

  it('writes gRPC, TCP and exec probes, and Recreate for Deployments', () => {
    const chain = find(env, 'Deployment', 'chain');
    expect(main(chain).livenessProbe.grpc).toEqual({ port: 9090, service: 'health' });
    expect(main(chain).readinessProbe.tcpSocket).toEqual({ port: 'p2p' });
    expect(main(chain).startupProbe).toBeUndefined();
    expect(chain.spec.strategy).toEqual({ type: 'Recreate' });
    const tally = find(env, 'Deployment', 'tally');
    expect(main(tally).livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(main(tally).readinessProbe.exec).toEqual({ command: ['cat', '/tmp/ready'] });
    expect(tally.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('passes the Kubernetes schemas and the policy report', () => {
    expect(validateManifests(objectsOf(env))).toEqual([]);
    expect(errorsOf(objectsOf(env))).toEqual([]);
  });

  it('leaves a worker without probes or strategy as before', () => {
    const plain = find(renderYaml('workers:\n  w:\n    image: { repository: acme/w, tag: "1" }\n'), 'Deployment', 'w');
    expect(plain.spec.strategy).toBeUndefined();
    expect(main(plain).livenessProbe).toBeUndefined();
    expect(main(plain).ports).toBeUndefined();
  });
});

describe('init containers, sidecars, identity and scheduling', () => {
  const env = renderYaml(`
workers:
  agent:
    image: { repository: acme/agent, tag: "2.1" }
    automountServiceAccountToken: true
    serviceAccount:
      annotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/agent" }
    volumes:
      cache: { size: 1Gi, mountPath: /cache }
    files:
      agent.yaml: { mountPath: /etc/agent/agent.yaml, content: "level: info\\n" }
      entry.sh: { mountPath: /scripts/entry.sh, content: "#!/bin/sh\\nexec agent\\n", executable: true }
    initContainers:
      - name: migrate
        image: { repository: acme/agent, tag: "2.1" }
        command: [agent, migrate]
        env: { MODE: init }
        files: [agent.yaml]
        volumes: [cache]
    sidecars:
      - name: proxy
        image: { repository: acme/proxy, tag: "1.0" }
        writablePaths: [/tmp, /var/cache/proxy]
        ports: { admin: { port: 9901 } }
        probes:
          readiness: { enabled: true, path: /ready, port: admin }
        secretEnv: { TOKEN: { secretName: proxy, key: token } }
    scheduling:
      nodeSelector: { cloud.google.com/gke-spot: "true" }
      tolerations:
        - { key: cloud.google.com/gke-spot, operator: Equal, value: "true", effect: NoSchedule }
      affinity:
        nodeAffinity:
          preferred: [{ weight: 50, matchExpressions: [{ key: topology.kubernetes.io/zone, operator: In, values: [europe-west1-b] }] }]
        podAntiAffinity: preferred
      priorityClassName: batch-low
`);
  const agent = find(env, 'Deployment', 'agent');

  it('runs init containers and sidecars with the restricted security context and their own resources', () => {
    const [migrate] = pod(agent).initContainers;
    const proxy = pod(agent).containers[1];
    for (const c of [migrate, proxy]) {
      expect(c.securityContext).toEqual(main(agent).securityContext);
      expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    }
    expect(migrate.env).toEqual([{ name: 'MODE', value: 'init' }]);
    expect(migrate.volumeMounts).toEqual([
      { name: 'writable-tmp', mountPath: '/tmp' },
      { name: 'cache', mountPath: '/cache' },
      { name: 'config-files', mountPath: '/etc/agent/agent.yaml', subPath: 'agent.yaml', readOnly: true },
    ]);
    expect(proxy.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'admin' });
    expect(proxy.env).toEqual([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'proxy', key: 'token' } } }]);
    expect(pod(agent).volumes.map((v: any) => v.name)).toEqual(['writable-tmp', 'writable-var-cache-proxy', 'cache', 'config-files']);
    expect(pod(agent).volumes[3].configMap.items).toEqual([
      { key: 'agent.yaml', path: 'agent.yaml' },
      { key: 'entry.sh', path: 'entry.sh', mode: 0o555 },
    ]);
  });

  it('annotates the ServiceAccount and mounts the token only when asked', () => {
    const sa = find(env, 'ServiceAccount', 'agent');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/agent');
    expect(sa.automountServiceAccountToken).toBe(true);
    expect(pod(agent).automountServiceAccountToken).toBe(true);
    const plain = renderYaml('workers:\n  w:\n    image: { repository: acme/w, tag: "1" }\n');
    expect(Object.keys(find(plain, 'ServiceAccount', 'w').metadata.annotations)).toEqual(['argocd.argoproj.io/sync-wave']);
    expect(pod(find(plain, 'Deployment', 'w')).automountServiceAccountToken).toBe(false);
  });

  it('schedules onto the nodes the config names', () => {
    const spec = pod(agent);
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-spot': 'true' });
    expect(spec.tolerations).toEqual([{ key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(spec.priorityClassName).toBe('batch-low');
    expect(spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 50, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['europe-west1-b'] }] } },
    ]);
    expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm).toEqual({
      labelSelector: { matchLabels: agent.spec.selector.matchLabels },
      topologyKey: 'kubernetes.io/hostname',
    });
  });

  it('passes the Kubernetes schemas and the policy report', () => {
    expect(validateManifests(objectsOf(env))).toEqual([]);
    expect(errorsOf(objectsOf(env))).toEqual([]);
  });
});

describe('security exceptions', () => {
  const NODE = (exceptions: string) => `
workers:
  node-agent:
    image: { repository: acme/node-agent, tag: "3.0" }
    securityExceptions:
${exceptions}
`;

  it('relax exactly what they name, record the reason on the pod, and lower the namespace only as far as needed', () => {
    const env = renderYaml(NODE('      runAsRoot: "the agent reads root-owned files under /var/lib/agent"'));
    const agent = find(env, 'Deployment', 'node-agent');
    expect(pod(agent).securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 });
    expect(main(agent).securityContext).toMatchObject({ runAsNonRoot: false, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(agent.spec.template.metadata.annotations['security-exception.cdk8s-platform/run-as-root']).toBe('the agent reads root-owned files under /var/lib/agent');
    const ns = find(env, 'Namespace', 'webapp-test');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(ns.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(validateManifests(objectsOf(env))).toEqual([]);
  });

  it('are shown by the policy report as warnings with their reasons, and nothing else about that pod is excused', () => {
    const env = renderYaml(NODE('      privileged: "programs eBPF probes on the node"\n      capabilities: { add: [NET_ADMIN, SYS_ADMIN], reason: "manages the node network" }'));
    const objects = objectsOf(env);
    expect(find(env, 'Namespace', 'webapp-test').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(main(find(env, 'Deployment', 'node-agent')).securityContext).toMatchObject({
      privileged: true,
      allowPrivilegeEscalation: true,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'SYS_ADMIN'] },
    });
    const violations = checkObjects(objects);
    expect(violations.filter((v) => v.severity === 'error')).toEqual([]);
    expect(violations.filter((v) => v.rule === 'security-exception').map((v) => `${v.object}: ${v.message}`)).toEqual([
      'Deployment webapp-test/node-agent: declares the exception capabilities: adds NET_ADMIN, SYS_ADMIN: manages the node network',
      'Deployment webapp-test/node-agent: declares the exception privileged: programs eBPF probes on the node',
    ]);
    // The privileged namespace does not exempt the other pods of the environment from the restricted rules.
    const backend = objects.find((o) => o.kind === 'Deployment' && (o.metadata as any).name === 'backend') as any;
    backend.spec.template.spec.containers[0].securityContext.runAsNonRoot = false;
    expect(
      checkObjects(objects)
        .filter((v) => v.severity === 'error')
        .map((v) => v.rule),
    ).toEqual(['run-as-non-root']);
  });

  it('without a declaration, the same securityContext is an error', () => {
    const env = renderYaml(NODE('      runAsRoot: "reads root-owned files"'));
    const objects = objectsOf(env);
    const agent = objects.find((o) => o.kind === 'Deployment' && (o.metadata as any).name === 'node-agent') as any;
    agent.spec.template.metadata.annotations = {};
    expect(errorsOf(objects).map((v) => v.rule)).toEqual(['run-as-non-root', 'run-as-numeric-user']);
  });

  it('set the namespace level from the least permissive one that admits every enabled workload', () => {
    expect(levelFor({})).toBe('restricted');
    expect(levelFor({ capabilities: { add: ['CHOWN'], reason: 'xxxxxxxxxx' } })).toBe('baseline');
    expect(levelFor({ capabilities: { add: ['NET_ADMIN'], reason: 'xxxxxxxxxx' } })).toBe('privileged');
    expect(levelFor({ privilegeEscalation: 'xxxxxxxxxx' })).toBe('baseline');
    const config = configFromYaml(NODE('      privileged: "programs eBPF probes on the node"'));
    expect(namespaceLevel(config)).toBe('privileged');
    config.workers['node-agent'].enabled = false;
    expect(namespaceLevel(config)).toBe('restricted');
  });

  it('need a reason', () => {
    expect(problemsOf(NODE('      runAsRoot: "because"'))).toEqual([
      'workers.node-agent.securityExceptions.runAsRoot (line 6, column 7): must say why the workload needs it (at least 10 characters); the policy report prints it',
    ]);
  });
});

describe('files from the repository', () => {
  const root = mkdtempSync(join(tmpdir(), 'shapes-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'shapes-elsewhere-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'environments'));
  mkdirSync(join(root, 'files'));
  writeFileSync(join(root, 'files', 'nginx.conf'), 'server { listen 8080; }\n');
  writeFileSync(join(root, 'files', 'binary.bin'), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
  writeFileSync(join(root, 'outside.txt'), 'x');
  writeFileSync(join(elsewhere, 'secret.txt'), 'x');
  symlinkSync(join(elsewhere, 'secret.txt'), join(root, 'files', 'link.txt'));
  const envFile = (source: string) => {
    writeFileSync(
      join(root, 'environments', 'dev.yaml'),
      `tier: dev\nservices:\n  frontend:\n    files:\n      default.conf:\n        mountPath: /etc/nginx/conf.d/default.conf\n        source: ${source}\n`,
    );
    return () => loadEnvironment('dev', join(root, 'environments'));
  };

  it('are read relative to the config directory into the ConfigMap', () => {
    const { config } = envFile('files/nginx.conf')();
    expect(find(renderEnvironment('dev', config), 'ConfigMap', 'frontend-files').data).toEqual({ 'default.conf': 'server { listen 8080; }\n' });
  });

  it('must exist, stay inside the config directory and be UTF-8 text; the error names the line', () => {
    const problem = (source: string) => {
      try {
        envFile(source)();
        return 'loaded';
      } catch (error) {
        return (error as { problems: string[] }).problems.join('\n');
      }
    };
    expect(problem('files/missing.conf')).toMatch(/^services\.frontend\.files\.default\.conf\.source \(line 7, column \d+\): "files\/missing\.conf": no such file/);
    expect(problem('../outside.txt')).toMatch(/line 7.*is outside the config directory/);
    expect(problem('files/link.txt')).toMatch(/is a link to a file outside the config directory/);
    expect(problem('files/binary.bin')).toMatch(/is not UTF-8 text/);
    expect(problem('/etc/passwd')).toMatch(/is an absolute path/);
    expect(readSource('files', root)).toEqual({ problem: '"files" is not a regular file' });
  });
});

describe('config rules for workload shapes name the key and line', () => {
  const cases: [string, string, RegExp][] = [
    [
      'Recreate on a StatefulSet',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    kind: StatefulSet\n    updateStrategy: Recreate\n',
      /^workers\.w\.updateStrategy \(line 5, column 5\): Recreate is an update strategy of a Deployment/,
    ],
    [
      'OnDelete on a Deployment',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    updateStrategy: OnDelete\n',
      /^workers\.w\.updateStrategy \(line 4, column 5\): OnDelete is an update strategy of a StatefulSet/,
    ],
    [
      'a canary of a StatefulSet',
      'services:\n  backend:\n    kind: StatefulSet\n    canary: { enabled: true, tag: "1.1.0" }\n',
      /^services\.backend\.canary\.enabled .*a StatefulSet workload releases by its updateStrategy/,
    ],
    [
      'a worker probe without a port',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    probes:\n      liveness: { enabled: true, type: tcp }\n',
      /^workers\.w\.probes\.liveness\.port .*a tcp probe needs a port here/,
    ],
    [
      'a probe naming an unknown port',
      'services:\n  backend:\n    probes:\n      readiness: { type: tcp, port: grpc }\n',
      /^services\.backend\.probes\.readiness\.port \(line 4, column 31\): "grpc" is not a port of this container; its ports are "http"/,
    ],
    [
      'an exec probe without a command',
      'services:\n  backend:\n    probes:\n      readiness: { type: exec }\n',
      /^services\.backend\.probes\.readiness\.command .*an exec probe needs the command/,
    ],
    [
      'a port named http',
      'services:\n  backend:\n    ports:\n      http: { port: 9000 }\n',
      /^services\.backend\.ports\.http \(line 4, column 7\): "http" is a port name the platform gives the service's port/,
    ],
    [
      'a port number twice',
      'services:\n  backend:\n    ports:\n      api: { port: 5000 }\n',
      /^services\.backend\.ports\.api .*TCP port 5000 is also port "http" of the container/,
    ],
    [
      'a Service port twice',
      'services:\n  backend:\n    ports:\n      alt: { port: 5001, servicePort: 80 }\n',
      /^services\.backend\.ports\.alt\.servicePort .*TCP port 80 is also port "http" of the Service/,
    ],
    [
      'a sidecar mounting an unknown file',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    sidecars:\n      - { name: s, image: { repository: a/s, tag: "1" }, files: [nope] }\n',
      /^workers\.w\.sidecars\[0\]\.files\[0\] .*"nope" is not one of the workload's files/,
    ],
    [
      'a container named twice',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    initContainers:\n      - { name: w, image: { repository: a/s, tag: "1" } }\n',
      /^workers\.w\.initContainers\[0\]\.name .*already the name of another container/,
    ],
    [
      'an init container with a probe',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    initContainers:\n      - name: i\n        image: { repository: a/s, tag: "1" }\n        probes: { readiness: { enabled: true, type: exec, command: [x] } }\n',
      /^workers\.w\.initContainers\[0\]\.probes\.readiness\.enabled .*Kubernetes refuses probes on it/,
    ],
    [
      'a file on a volume mount path',
      'services:\n  backend:\n    files:\n      f: { mountPath: /app/uploads, content: x }\n',
      /^services\.backend\.files\.f\.mountPath .*already the mount path of volume "uploads"/,
    ],
    [
      'a file with content and source',
      'services:\n  backend:\n    files:\n      f: { mountPath: /etc/f, content: x, source: f.txt }\n',
      /^services\.backend\.files\.f .*set exactly one of content .* and source/,
    ],
    [
      'a headless Service named like a service',
      'services:\n  db:\n    kind: StatefulSet\n    image: { repository: a/db, tag: "1" }\n  db-headless:\n    image: { repository: a/x, tag: "1" }\n',
      /^services\.db .*its headless Service "db-headless" would have the name of service "db-headless"/,
    ],
    [
      'a toleration without a key',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    scheduling:\n      tolerations: [{ value: "x" }]\n',
      /^workers\.w\.scheduling\.tolerations\[0\]\.key .*operator Equal needs the taint key/,
    ],
    [
      'a port name with two dashes',
      'workers:\n  w:\n    image: { repository: a/w, tag: "1" }\n    ports:\n      a--b: { port: 1 }\n',
      /^workers\.w\.ports\.a--b .*must contain a letter and no "--"/,
    ],
  ];
  it.each(cases)('%s', (_, text, expected) => {
    const problems = problemsOf(text);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });
});
