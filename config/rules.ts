/**
 * Rules on a whole, schema-valid environment config that a field schema cannot express: names
 * derived from several keys, collisions between user keys and generated ones, limits of the
 * objects the config becomes, and rules across environments. Each problem names the key path it
 * is about, so the loader can point at the line in the file; warnings do not stop synthesis.
 *
 * Generated names and settings come from the functions the charts use (config/names.ts,
 * config/connections.ts, charts/workloads/pod.ts, config/labels.ts), so a rule cannot drift from what is rendered.
 */
import { posix } from 'node:path';
import { ingressNeeded, ingressObjects } from './routes.js';
import { connectionEnv, workloadSettings } from './connections.js';
import { environmentContext, loggingNamespace, type EnvironmentContext } from './context.js';
import { recommendedLabels } from './labels.js';
import { DATA_VOLUME, FILES_VOLUME, names, volumeNameForPath, webServiceSettings } from './names.js';
import type { Config, ExtraContainerConfig, ProbeConfig, WebServiceConfig, WorkloadConfig } from './schema.js';

export interface ConfigProblem {
  /** Key path in the environment file, e.g. ['services', 'admin', 'env', 'PORT']; [] for the whole file. */
  readonly path: readonly PropertyKey[];
  /** What is wrong and what to do instead. */
  readonly message: string;
  /** A warning is printed but does not stop synthesis. */
  readonly severity: 'error' | 'warning';
}

export interface NamedConfig {
  readonly name: string;
  readonly file: string;
  readonly config: Config;
}

export interface EnvironmentSetProblem extends ConfigProblem {
  /** The environment file the problem is reported against. */
  readonly file: string;
}

type Path = readonly PropertyKey[];
const error = (path: Path, message: string): ConfigProblem => ({ path, message, severity: 'error' });

/** Label values, and so names that become one (app.kubernetes.io/instance), are at most 63 characters. */
const LABEL_VALUE_MAX = 63;

/**
 * Namespaces Kubernetes creates and uses itself
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces).
 */
const RESERVED_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The API server refuses a ConfigMap whose values total more than 1 MiB (core.MaxSecretSize). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** Env keys whose values are most likely credentials. */
const SECRET_LIKE_KEY = /PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY/i;

/** Problems of one environment's config (the environment name is the file's base name). */
export function environmentProblems(name: string, config: Config): ConfigProblem[] {
  const env = environmentContext(name, config);
  return [
    ...derivedNameProblems(env),
    ...namespaceProblems(env),
    ...workloadsOf(config).flatMap((w) => workloadProblems(env, w)),
    ...workloadsOf(config).flatMap((w) => shapeProblems(env, w)),
    ...Object.entries(config.services).flatMap(([service, s]) => servicePortProblems(service, s)),
    ...objectNameProblems(env),
    ...ingressProblems(config),
    ...labelKeyProblems(config),
    ...nulProblems(config),
  ];
}

/**
 * The cluster an environment is deployed to, as its file names it (`cluster.name`, `cluster.server`,
 * or the default of config/gitops.yaml): namespaces and hosts clash only on one cluster.
 */
export function clusterKey(config: Config): string {
  if (config.cluster.name !== undefined) return `name ${config.cluster.name}`;
  return config.cluster.server === undefined ? 'default' : `server ${config.cluster.server}`;
}

/** How a message names the cluster of clusterKey, after "on". */
function clusterPhrase(config: Config): string {
  return config.cluster.name ?? config.cluster.server ?? 'the same cluster (the default of config/gitops.yaml)';
}

/**
 * Problems that only show across environments (e.g. two environments sharing a namespace on one
 * cluster), reported against the later file. Namespaces and hosts are compared per cluster; the
 * instance, which names the Argo CD Application, across all.
 */
export function crossEnvironmentProblems(environments: readonly NamedConfig[]): EnvironmentSetProblem[] {
  const problems: EnvironmentSetProblem[] = [];
  const namespaces = new Map<string, { env: NamedConfig; what: string }>();
  const instances = new Map<string, NamedConfig>();
  const hosts = new Map<string, NamedConfig>();
  for (const named of environments) {
    const env = environmentContext(named.name, named.config);
    const cluster = clusterKey(named.config);
    const occupied: [string, Path, string][] = [[env.namespace, ['namespace'], 'namespace']];
    if (named.config.logs.enabled) occupied.push([loggingNamespace(env), ['logs', 'namespace'], 'logging namespace']);
    for (const [namespace, path, what] of occupied) {
      const first = namespaces.get(`${cluster}\0${namespace}`);
      if (first && first.env !== named) {
        problems.push({
          file: named.file,
          ...error(
            path,
            `"${namespace}" is also the ${first.what} of environment "${first.env.name}" on ${clusterPhrase(named.config)}: two environments in one namespace overwrite each other's objects; set a different ${path.join('.')} or another cluster`,
          ),
        });
      } else if (!first) namespaces.set(`${cluster}\0${namespace}`, { env: named, what });
    }

    const instance = env.labels.instance;
    const sameInstance = instances.get(instance);
    if (sameInstance) {
      problems.push({
        file: named.file,
        ...error(
          ['app', 'name'],
          `"${instance}" (<app.name>-<environment>) is also the instance of environment "${sameInstance.name}": it names the Argo CD Application and the app.kubernetes.io/instance label, which must differ between environments; choose another app.name`,
        ),
      });
    } else instances.set(instance, named);

    if (ingressNeeded(env)) {
      const served = new Map(ingressObjects(named.config).map((o) => [o.host.host, o.host.key]));
      for (const [host, key] of served) {
        const sameHost = hosts.get(`${cluster}\0${host}`);
        if (sameHost) {
          problems.push({
            file: named.file,
            path: key === undefined ? ['ingress', 'host'] : ['ingress', 'hosts', key, 'host'],
            severity: 'warning',
            message: `environment "${sameHost.name}" serves the same host "${host}" on ${clusterPhrase(named.config)}: the ingress controller merges both Ingresses, so requests may reach either environment; give each environment its own host`,
          });
        } else hosts.set(`${cluster}\0${host}`, named);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Names derived from several keys
// ---------------------------------------------------------------------------

function derivedNameProblems(env: EnvironmentContext): ConfigProblem[] {
  const instance = env.labels.instance;
  if (instance.length > LABEL_VALUE_MAX) {
    return [
      error(
        ['app', 'name'],
        `"${instance}" (<app.name>-<environment>) is longer than ${LABEL_VALUE_MAX} characters: it is the app.kubernetes.io/instance label of every object${env.config.namespace ? '' : ' and the default namespace'}; use a shorter app.name or environment file name`,
      ),
    ];
  }
  const logging = loggingNamespace(env);
  if (env.config.logs.enabled && env.config.logs.namespace === undefined && logging.length > 63) {
    return [
      error(['logs', 'namespace'], `the default logging namespace "${logging}" (<namespace>-logging) is longer than 63 characters; set logs.namespace or a shorter namespace`),
    ];
  }
  return [];
}

function namespaceProblems(env: EnvironmentContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (namespace: string, path: Path, what: string) => {
    if (RESERVED_NAMESPACES.includes(namespace)) {
      problems.push(error(path, `"${namespace}" is a namespace Kubernetes reserves for itself; the ${what} needs a namespace of its own, e.g. "${env.labels.instance}"`));
    } else if (namespace.startsWith('kube-')) {
      problems.push({ path, severity: 'warning', message: `"${namespace}": the prefix "kube-" is reserved for Kubernetes system namespaces; choose a name without it` });
    }
  };
  check(env.namespace, ['namespace'], 'environment');
  if (env.config.logs.enabled) {
    const logging = loggingNamespace(env);
    check(logging, ['logs', 'namespace'], 'logging stack');
    if (logging === env.namespace) {
      problems.push(
        error(
          ['logs', 'namespace'],
          `"${logging}" is also the environment namespace: the logging namespace admits privileged pods and must be separate; remove logs.namespace (default "<namespace>-logging") or choose another`,
        ),
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Workloads: user keys against generated ones, ConfigMap size, secrets in plain settings
// ---------------------------------------------------------------------------

interface WorkloadEntry {
  readonly section: 'services' | 'workers';
  readonly name: string;
  readonly workload: WorkloadConfig;
  /** The web service config, for services. */
  readonly service?: WebServiceConfig;
}

function workloadsOf(config: Config): WorkloadEntry[] {
  return [
    ...Object.entries(config.services).map(([name, service]): WorkloadEntry => ({ section: 'services', name, workload: service, service })),
    ...Object.entries(config.workers).map(([name, workload]): WorkloadEntry => ({ section: 'workers', name, workload })),
  ];
}

/** Settings the charts add to a workload's ConfigMap (web-service chart). */
function extraSettings(w: WorkloadEntry): Record<string, string> {
  return w.service ? webServiceSettings(w.service) : {};
}

/** Every environment variable the platform sets in a workload's container, with where it comes from. */
function generatedVariables(env: EnvironmentContext, w: WorkloadEntry): Map<string, string> {
  const generated = new Map<string, string>();
  for (const store of w.workload.uses) {
    const connection = connectionEnv([store], env.config, env.namespace);
    for (const key of [...Object.keys(connection.plain), ...connection.env.map((v) => v.name)]) {
      generated.set(key, `the platform sets it because the workload uses ${store}`);
    }
  }
  for (const key of Object.keys(extraSettings(w))) generated.set(key, `the platform sets it from ${w.section}.${w.name}.port; change port instead`);
  return generated;
}

/** The ConfigMap data of a workload, as the chart writes it, and its size as the API server counts it (UTF-8 bytes of the values). */
function settingsSize(env: EnvironmentContext, w: WorkloadEntry): { bytes: number; largest?: string } {
  const settings = workloadSettings(w.workload, env, extraSettings(w));
  let bytes = 0;
  let largest: [string, number] | undefined;
  for (const [key, value] of Object.entries(settings)) {
    const size = Buffer.byteLength(value, 'utf8');
    bytes += size;
    if (!largest || size > largest[1]) largest = [key, size];
  }
  return { bytes, largest: largest?.[0] };
}

function workloadProblems(env: EnvironmentContext, w: WorkloadEntry): ConfigProblem[] {
  const { section, name, workload } = w;
  const at = (...rest: PropertyKey[]): Path => [section, name, ...rest];
  const problems: ConfigProblem[] = [];
  const generated = generatedVariables(env, w);

  for (const key of Object.keys(workload.env)) {
    const origin = generated.get(key);
    if (origin) {
      problems.push(error(at('env', key), `"${key}" is generated (${origin}); a value here would conflict with it: remove it or use another name`));
    } else if (key in workload.secretEnv) {
      problems.push(error(at('env', key), `"${key}" is also in secretEnv: the container would take the Secret's value and silently ignore this one; keep only one of them`));
    } else if (SECRET_LIKE_KEY.test(key)) {
      problems.push({
        path: at('env', key),
        severity: env.config.tier === 'prod' ? 'error' : 'warning',
        message: `"${key}" looks like a secret: env values are written into the ConfigMap ${names.configMap(name)} and committed with dist/; put the value in a Secret and reference it under ${section}.${name}.secretEnv.${key} (secretName, key)`,
      });
    }
  }
  for (const key of Object.keys(workload.secretEnv)) {
    const origin = generated.get(key);
    if (origin) problems.push(error(at('secretEnv', key), `"${key}" is generated (${origin}); a Secret here would conflict with it: remove it or use another name`));
  }

  const { bytes, largest } = settingsSize(env, w);
  if (bytes > CONFIGMAP_MAX_BYTES) {
    problems.push(
      error(
        at('env'),
        `the settings total ${bytes} bytes, over the ${CONFIGMAP_MAX_BYTES} bytes (1 MiB) the API server accepts in one ConfigMap (${names.configMap(name)}); the largest is ${largest}: move large values out of env, e.g. into the image or a volume`,
      ),
    );
  }
  return [...problems, ...volumeProblems(w, at)];
}

/** "/tmp/" -> "/tmp": the directory a mount path names. */
function mountPoint(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

/**
 * Pod volume names and container mount paths must be unique (the API server refuses duplicates);
 * the workload's writable paths become emptyDir volumes named by volumeNameForPath.
 */
function volumeProblems(w: WorkloadEntry, at: (...rest: PropertyKey[]) => Path): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const emptyDirs = new Map<string, string>(); // volume name -> writable path
  const mounts = new Map<string, string>(); // mount point -> what is mounted there
  w.workload.writablePaths.forEach((path, i) => {
    const volume = volumeNameForPath(path);
    const point = mountPoint(path);
    const sameVolume = emptyDirs.get(volume);
    if (mounts.has(point)) {
      problems.push(error(at('writablePaths', i), `"${path}" is listed twice; remove one`));
    } else if (sameVolume !== undefined) {
      problems.push(
        error(
          at('writablePaths', i),
          `"${path}" and "${sameVolume}" would both get the emptyDir volume "${volume}"; volume names must be unique in a pod: drop or rename one of the paths`,
        ),
      );
    }
    emptyDirs.set(volume, path);
    mounts.set(point, `the writable path "${path}"`);
  });
  for (const [key, volume] of Object.entries(w.workload.volumes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const writable = emptyDirs.get(key);
    if (writable !== undefined) {
      problems.push(error(at('volumes', key), `"${key}" is the name of the generated emptyDir volume of writable path "${writable}"; rename the volume`));
    }
    const point = mountPoint(volume.mountPath);
    const other = mounts.get(point);
    if (other) {
      problems.push(
        error(at('volumes', key, 'mountPath'), `"${volume.mountPath}" is already the mount path of ${other}; mount paths must be unique in a container: choose another`),
      );
    } else mounts.set(point, `volume "${key}"`);
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Workload shapes: controller kind and update strategy, ports, probes, files, extra containers
// ---------------------------------------------------------------------------

/** The longest StatefulSet name: its pods carry controller-revision-hash=<name>-<10 characters>, a label value of at most 63. */
const STATEFULSET_NAME_MAX = LABEL_VALUE_MAX - 11;

/** A port of a container, as the rules compare them. */
interface PortEntry {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly path: Path;
}

function shapeProblems(env: EnvironmentContext, w: WorkloadEntry): ConfigProblem[] {
  const { section, name, workload, service } = w;
  if (!workload.enabled) return [];
  const at = (...rest: PropertyKey[]): Path => [section, name, ...rest];
  const problems: ConfigProblem[] = [];
  const statefulSet = workload.kind === 'StatefulSet';

  // Controller kind and update strategy.
  if (workload.updateStrategy === 'Recreate' && statefulSet) {
    problems.push(
      error(
        at('updateStrategy'),
        'Recreate is an update strategy of a Deployment; a StatefulSet replaces its pods by RollingUpdate (one at a time, highest ordinal first) or OnDelete',
      ),
    );
  }
  if (workload.updateStrategy === 'OnDelete' && !statefulSet) {
    problems.push(error(at('updateStrategy'), 'OnDelete is an update strategy of a StatefulSet; a Deployment takes RollingUpdate or Recreate (or set kind: StatefulSet)'));
  }
  if (statefulSet) {
    if (name.length > STATEFULSET_NAME_MAX) {
      problems.push(
        error(
          [section, name],
          `"${name}" is longer than ${STATEFULSET_NAME_MAX} characters: a StatefulSet's pods carry the label controller-revision-hash=<name>-<hash>, at most 63 characters; rename the workload`,
        ),
      );
    }
    if (names.headless(name).length > LABEL_VALUE_MAX) {
      problems.push(error([section, name], `its headless Service "${names.headless(name)}" would be longer than 63 characters; rename the workload`));
    }
    const headless = names.headless(name);
    if (headless in env.config.services || headless === names.redisHeadless) {
      problems.push(
        error(
          [section, name],
          `its headless Service "${headless}" would have the name of ${headless === names.redisHeadless ? 'the Redis headless Service' : `service "${headless}"`}; rename one of them`,
        ),
      );
    }
    if (service?.canary.enabled)
      problems.push(error(at('canary', 'enabled'), 'a canary runs a second Deployment beside the stable one; a StatefulSet workload releases by its updateStrategy instead'));
    if (service?.blueGreen.enabled)
      problems.push(error(at('blueGreen', 'enabled'), 'blue-green runs two Deployments; a StatefulSet workload releases by its updateStrategy instead'));
  }

  // Ports: the main container's, then the Service's.
  const ports: PortEntry[] = [];
  if (service) {
    ports.push({ name: 'http', port: service.port, protocol: 'TCP', path: at('port') });
    if (service.metrics.enabled && service.metrics.port !== undefined && service.metrics.port !== service.port) {
      ports.push({ name: 'metrics', port: service.metrics.port, protocol: 'TCP', path: at('metrics', 'port') });
    }
  }
  for (const [portName, p] of Object.entries(workload.ports)) ports.push({ name: portName, port: p.port, protocol: p.protocol, path: at('ports', portName) });
  problems.push(...duplicatePorts(ports));
  if (service) {
    const servicePorts: PortEntry[] = [{ name: 'http', port: service.servicePort, protocol: 'TCP', path: at('servicePort') }];
    const metrics = ports.find((p) => p.name === 'metrics');
    if (metrics) servicePorts.push(metrics);
    for (const [portName, p] of Object.entries(workload.ports))
      servicePorts.push({ name: portName, port: p.servicePort ?? p.port, protocol: p.protocol, path: at('ports', portName, 'servicePort') });
    problems.push(...duplicatePorts(servicePorts, 'the Service'));
  }

  // Probes name ports the container has.
  const probesOf = (
    probes: { liveness: ProbeConfig; readiness: ProbeConfig; startup: ProbeConfig },
    names: readonly string[],
    hasDefault: boolean,
    path: (...rest: PropertyKey[]) => Path,
  ) =>
    (['liveness', 'readiness', 'startup'] as const).flatMap((kind): ConfigProblem[] => {
      const probe = probes[kind];
      if (!probe.enabled || probe.type === 'exec') return [];
      if (probe.port === undefined && !hasDefault) {
        return [
          error(
            path('probes', kind, 'port'),
            `a ${probe.type} probe needs a port here (there is no http port): a number or one of the port names ${names.length ? names.map((n) => `"${n}"`).join(', ') : '(none: add ports)'}`,
          ),
        ];
      }
      if (typeof probe.port === 'string' && !names.includes(probe.port)) {
        return [
          error(path('probes', kind, 'port'), `"${probe.port}" is not a port of this container; its ports are ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'}`),
        ];
      }
      return [];
    });
  problems.push(
    ...probesOf(
      workload.probes,
      ports.map((p) => p.name),
      service !== undefined,
      at,
    ),
  );

  // Extra containers: unique names, what they mount exists, init containers have no ports or probes.
  const containerNames = new Map<string, Path>([[name, [section, name]]]);
  const podPortNames = new Map(ports.map((p) => [p.name, p.path]));
  const extra: [ExtraContainerConfig, 'initContainers' | 'sidecars', number][] = [
    ...workload.initContainers.map((c, i): [ExtraContainerConfig, 'initContainers', number] => [c, 'initContainers', i]),
    ...workload.sidecars.map((c, i): [ExtraContainerConfig, 'sidecars', number] => [c, 'sidecars', i]),
  ];
  for (const [container, list, i] of extra) {
    const cat = (...rest: PropertyKey[]): Path => at(list, i, ...rest);
    if (containerNames.has(container.name))
      problems.push(error(cat('name'), `"${container.name}" is already the name of another container of the pod; container names must be unique`));
    containerNames.set(container.name, cat('name'));
    container.files.forEach((key, j) => {
      if (!(key in workload.files)) problems.push(error(cat('files', j), `"${key}" is not one of the workload's files (${Object.keys(workload.files).join(', ') || 'none'})`));
    });
    container.volumes.forEach((key, j) => {
      if (!(key in workload.volumes))
        problems.push(error(cat('volumes', j), `"${key}" is not one of the workload's volumes (${Object.keys(workload.volumes).join(', ') || 'none'})`));
    });
    for (const key of Object.keys(container.env)) {
      if (key in container.secretEnv) problems.push(error(cat('env', key), `"${key}" is also in secretEnv: keep only one of them`));
      else if (SECRET_LIKE_KEY.test(key)) {
        problems.push({
          path: cat('env', key),
          severity: env.config.tier === 'prod' ? 'error' : 'warning',
          message: `"${key}" looks like a secret: env values are written into the pod spec and committed with dist/; put the value in a Secret and reference it under secretEnv.${key}`,
        });
      }
    }
    if (list === 'initContainers') {
      if (Object.keys(container.ports).length)
        problems.push(error(cat('ports'), 'an init container runs to completion before the pod serves: it has no ports; remove them (or make it a sidecar)'));
      for (const kind of ['liveness', 'readiness', 'startup'] as const) {
        if (container.probes[kind].enabled)
          problems.push(error(cat('probes', kind, 'enabled'), 'an init container runs to completion: Kubernetes refuses probes on it; remove the probe (or make it a sidecar)'));
      }
    } else {
      for (const portName of Object.keys(container.ports)) {
        const other = podPortNames.get(portName);
        if (other)
          problems.push(error(cat('ports', portName), `"${portName}" is already a port name in this pod (${other.map(String).join('.')}); port names must be unique in a pod`));
        podPortNames.set(portName, cat('ports', portName));
      }
      problems.push(...probesOf(container.probes, Object.keys(container.ports), false, cat));
    }
    problems.push(
      ...mountProblems(
        container.writablePaths,
        container.volumes.map((key) => [key, workload.volumes[key]?.mountPath]),
        container.files.map((key) => [key, workload.files[key]?.mountPath]),
        cat,
      ),
    );
  }

  // Files: mount points unique, the ConfigMap within 1 MiB.
  problems.push(
    ...mountProblems(
      [],
      [],
      Object.entries(workload.files).map(([key, f]) => [key, f.mountPath]),
      at,
      workload,
    ),
  );
  if (FILES_VOLUME in workload.volumes) problems.push(error(at('volumes', FILES_VOLUME), `"${FILES_VOLUME}" is the name of the volume of the workload's files; rename the volume`));
  const fileBytes = Object.values(workload.files).reduce((sum, f) => sum + Buffer.byteLength(f.content ?? '', 'utf8'), 0);
  if (fileBytes > CONFIGMAP_MAX_BYTES) {
    problems.push(
      error(
        at('files'),
        `the files total ${fileBytes} bytes, over the ${CONFIGMAP_MAX_BYTES} bytes (1 MiB) the API server accepts in one ConfigMap (${names.filesConfigMap(name)}); build large files into the image or use a volume`,
      ),
    );
  }
  return problems;
}

/** Two ports of one container (or Service) with the same name, or the same number and protocol. */
function duplicatePorts(ports: readonly PortEntry[], where = 'the container'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byName = new Map<string, PortEntry>();
  const byNumber = new Map<string, PortEntry>();
  for (const p of ports) {
    const sameName = byName.get(p.name);
    if (sameName && where === 'the container') {
      problems.push(error(p.path, `"${p.name}" is a port name the platform gives ${sameName.name === 'http' ? "the service's port" : 'the metrics port'}; choose another name`));
    }
    byName.set(p.name, p);
    const key = `${p.port}/${p.protocol}`;
    const sameNumber = byNumber.get(key);
    // A metrics port equal to the Service's http port is reported by servicePortProblems.
    if (sameNumber && p.name === 'metrics' && sameNumber.name === 'http') continue;
    if (sameNumber) problems.push(error(p.path, `${p.protocol} port ${p.port} is also port "${sameNumber.name}" of ${where}; a port can be listed once per protocol`));
    else byNumber.set(key, p);
  }
  return problems;
}

/**
 * Mount points of one container must be unique: its writable paths, the volumes and files it
 * mounts. With `workload`, the files are checked against the workload container's own writable
 * paths and volumes (which volumeProblems checks among themselves).
 */
function mountProblems(
  writable: readonly string[],
  volumes: readonly [string, string | undefined][],
  files: readonly [string, string | undefined][],
  at: (...rest: PropertyKey[]) => Path,
  workload?: WorkloadConfig,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const mounts = new Map<string, string>();
  for (const path of workload?.writablePaths ?? writable) mounts.set(mountPoint(path), `the writable path "${path}"`);
  for (const [key, path] of workload ? Object.entries(workload.volumes).map(([k, v]): [string, string] => [k, v.mountPath]) : volumes) {
    if (path !== undefined) mounts.set(mountPoint(path), `volume "${key}"`);
  }
  for (const [key, path] of files) {
    if (path === undefined) continue;
    const point = mountPoint(path);
    const other = mounts.get(point);
    if (other)
      problems.push(
        error(workload ? at('files', key, 'mountPath') : at('files'), `file "${key}" would be mounted at "${path}", already the mount path of ${other}; choose another mountPath`),
      );
    else mounts.set(point, `file "${key}"`);
  }
  return problems;
}

/** A separate metrics port becomes a second port of the Service; a Service cannot list one port twice. */
function servicePortProblems(name: string, service: WebServiceConfig): ConfigProblem[] {
  const metricsPort = service.metrics.port;
  const separate = service.metrics.enabled && metricsPort !== undefined && metricsPort !== service.port;
  if (separate && metricsPort === service.servicePort) {
    return [
      error(
        ['services', name, 'metrics', 'port'],
        `${metricsPort} is also servicePort: the Service would expose port ${metricsPort} twice (http and metrics); choose another metrics.port or servicePort`,
      ),
    ];
  }
  return [];
}

// ---------------------------------------------------------------------------
// Objects of one kind whose names come from different keys
// ---------------------------------------------------------------------------

function objectNameProblems(env: EnvironmentContext): ConfigProblem[] {
  const { config } = env;
  const problems: ConfigProblem[] = [];

  // PersistentVolumeClaims: <workload>-<volume>, and those the datastore StatefulSets' controller creates.
  const claims = new Map<string, string>();
  const statefulSets: [string, number, boolean][] = [
    [names.mongodb, config.mongodb.replicaSet.enabled ? config.mongodb.replicaSet.members : 1, config.mongodb.enabled],
    [names.redis, 1, config.redis.enabled],
    [names.redisRead, config.redis.replicas, config.redis.enabled],
    [names.postgres, 1, config.postgres.enabled],
    [names.postgresRead, config.postgres.replicas, config.postgres.enabled],
  ];
  for (const [statefulSet, replicas, enabled] of statefulSets) {
    if (!enabled) continue;
    for (let i = 0; i < replicas; i++) claims.set(names.statefulSetClaim(DATA_VOLUME, statefulSet, i), `the data volume of ${statefulSet} pod ${i}`);
  }
  for (const { section, name, workload } of workloadsOf(config).filter((w) => w.workload.enabled)) {
    for (const key of Object.keys(workload.volumes).sort()) {
      const claim = names.volumeClaim(name, key);
      const owner = claims.get(claim);
      if (owner) {
        problems.push(error([section, name, 'volumes', key], `its PersistentVolumeClaim "${claim}" (<workload>-<volume>) would be the same object as ${owner}; rename the volume`));
      } else claims.set(claim, `the claim of volume "${key}" of ${section}.${name}`);
    }
  }

  // Ingresses (config/routes.ts ingressObjects): the environment host's, named app.name, one per
  // further host (<app.name>-<key>) and per service with its own settings (the service's name),
  // and one <service>-canary per running canary (ingress-nginx; HTTPRoutes are named by host only).
  if (ingressNeeded(env) && config.routing.backend === 'ingress-nginx') {
    const owners = new Map<string, { what: string; path: Path; fix: string }>();
    const claim = (name: string, what: string, path: Path, fix: string) => {
      const first = owners.get(name);
      if (first) problems.push(error(first.path, `"${name}" names ${first.what}, and ${what} has the same name; ${first.fix}`));
      else owners.set(name, { what, path, fix });
    };
    for (const object of ingressObjects(config)) {
      if (object.service !== undefined) claim(object.name, `the Ingress of service "${object.service}"`, ['services', object.service], 'rename the service');
      else if (object.host.key !== undefined) {
        claim(object.name, `the Ingress of host "${object.host.key}" (<app.name>-<key>)`, ['ingress', 'hosts', object.host.key], 'choose another key for the host');
      } else claim(object.name, "the environment's Ingress", ['app', 'name'], 'choose another app.name');
    }
    for (const [name, service] of Object.entries(config.services)) {
      if (service.enabled && service.canary.enabled) claim(names.track(name, 'canary'), `the canary Ingress of service "${name}"`, ['services', name], 'rename the service');
    }
  }
  return problems;
}

/** Hosts and route settings: a host a service names must be declared, and a stripped prefix must be one. */
function ingressProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const keys = Object.keys(config.ingress.hosts);
  for (const [name, service] of Object.entries(config.services)) {
    if (!service.enabled) continue;
    const key = service.ingress.host;
    if (key !== undefined && !Object.hasOwn(config.ingress.hosts, key)) {
      problems.push(
        error(
          ['services', name, 'ingress', 'host'],
          `"${key}" is no key of ingress.hosts (${keys.join(', ') || 'none declared'}): declare the host there (ingress.hosts.${key}.host), or leave ingress.host out to route on ${config.ingress.host}`,
        ),
      );
    }
    service.ingress.extraHosts.forEach((extra, i) => {
      const path: Path = ['services', name, 'ingress', 'extraHosts', i];
      if (!Object.hasOwn(config.ingress.hosts, extra)) {
        problems.push(error(path, `"${extra}" is no key of ingress.hosts (${keys.join(', ') || 'none declared'}): declare the host there (ingress.hosts.${extra}.host)`));
      } else if (extra === key || service.ingress.extraHosts.indexOf(extra) !== i) {
        problems.push(error(path, `"${extra}" already serves these paths: list each host once`));
      }
    });
    if (!service.ingress.stripPrefix) continue;
    service.ingress.paths.forEach((p, i) => {
      if (p.pathType !== 'Prefix') {
        problems.push(error(['services', name, 'ingress', 'paths', i, 'pathType'], `stripPrefix removes a path prefix: the path must be a Prefix path, not ${p.pathType}`));
      } else if (p.path.replace(/\/+$/, '') === '') {
        problems.push(
          error(['services', name, 'ingress', 'paths', i, 'path'], 'stripPrefix on "/" would remove nothing: route a longer prefix such as "/api", or drop stripPrefix'),
        );
      }
    });
  }
  const seen = new Map<string, string>([[config.ingress.host, 'ingress.host']]);
  for (const [key, host] of Object.entries(config.ingress.hosts)) {
    const first = seen.get(host.host);
    if (first) problems.push(error(['ingress', 'hosts', key, 'host'], `"${host.host}" is already ${first}: declare each host once`));
    else seen.set(host.host, `ingress.hosts.${key}.host`);
  }

  // PrometheusRules: the environment's <app.name>-alerts and one per measured web service, named after it
  // (a canary's, <service>-canary, cannot end in -alerts).
  if (config.monitoring.enabled && config.monitoring.alerts.enabled) {
    const environmentRule = names.environmentAlerts(config.app.name);
    const service = config.services[environmentRule];
    if (service?.enabled && service.metrics.enabled) {
      problems.push(
        error(
          ['services', environmentRule],
          `the PrometheusRule of its alerts would be named "${environmentRule}", the name of the environment's PrometheusRule (<app.name>-alerts); rename the service or choose another app.name`,
        ),
      );
    }
  }
  return problems;
}

/**
 * Labels the config adds to objects (serviceMonitorLabels, the Grafana sidecar labels) are merged
 * over the recommended labels, so they must not redefine one of them.
 */
function labelKeyProblems(config: Config): ConfigProblem[] {
  const generated = new Set(Object.keys(recommendedLabels({ partOf: '-', instance: '-' }, { name: '-', component: '-', version: '-', track: 'stable' })));
  const grafana = config.monitoring.grafana;
  const keys: [string, Path][] = [
    ...Object.keys(config.monitoring.serviceMonitorLabels).map((key): [string, Path] => [key, ['monitoring', 'serviceMonitorLabels', key]]),
    [grafana.dashboards.label, ['monitoring', 'grafana', 'dashboards', 'label']],
    [grafana.datasources.label, ['monitoring', 'grafana', 'datasources', 'label']],
  ];
  return keys
    .filter(([key]) => generated.has(key))
    .map(([key, path]) => error(path, `"${key}" is a label the platform sets on every object (it identifies the object and selects its pods); use another label key`));
}

// ---------------------------------------------------------------------------
// Characters no object can carry
// ---------------------------------------------------------------------------

const NUL_MESSAGE = 'contains a NUL character ("\\0"), which no container can receive (environment variables and arguments are C strings, which end at the first NUL); remove it';

/** Every string (and map key) of the config that contains a NUL character. */
function nulProblems(config: Config): ConfigProblem[] {
  // JSON.stringify writes a NUL as \u0000: one cheap pass settles the common case.
  if (!JSON.stringify(config).includes('\\u0000')) return [];
  const problems: ConfigProblem[] = [];
  const path: PropertyKey[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.includes('\0')) problems.push(error([...path], NUL_MESSAGE));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
        path.push(key);
        if (typeof key === 'string' && key.includes('\0')) problems.push(error([...path], `the key ${NUL_MESSAGE}`));
        walk(item);
        path.pop();
      }
    }
  };
  walk(config);
  return problems;
}
