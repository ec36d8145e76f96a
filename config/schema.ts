/**
 * The configuration schema: the single source of truth for what can be configured.
 *
 * Every environment file (config/environments/<env>.yaml) is an overlay on the defaults
 * declared here: maps merge key by key, lists and scalars replace (see config/load.ts).
 * The defaults are the production numbers of the reference deployment
 * (../shared/seeds/002_*.txt); an environment file states only what differs.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { COLOURS, IDLE_STATES, names, RELEASE_TRACKS } from './names.js';
import { bytesOf, canonicalQuantity, cpuToMillicores, notAbove } from './quantity.js';
import { callsSchema, resolveCalls } from './calls.js';
import { networkIssues, networkSchema } from './network.js';
import { tracesSchema } from './traces.js';
import { routingIssues, routingSchema } from './routing.js';
import { deliveryIssues, deliverySchema, serviceDeliverySchema } from './delivery.js';
import { parseCron } from './cron.js';
import { parseCidr } from './cidr.js';

// ---------------------------------------------------------------------------
// Reusable field types, each with a message that says what a valid value looks like.
// ---------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
const CPU_QUANTITY = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const BYTE_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const REGISTRY_HOST = /^[A-Za-z0-9.-]+(:[0-9]+)?$/;
const HTTP_PATH = /^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$/;

/** A DNS-1123 label: the shape of most Kubernetes object names. */
export const dnsLabel = z.string().max(63, { error: 'must be at most 63 characters (a DNS-1123 label)' }).regex(DNS_LABEL, {
  error: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "backend")',
});

/** A DNS-1123 subdomain, e.g. a host name or a Secret name. */
export const dnsSubdomain = z
  .string()
  .max(253, { error: 'must be at most 253 characters (a DNS-1123 subdomain)' })
  .regex(DNS_SUBDOMAIN, { error: 'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and "." (e.g. "app.example.com")' });

/** The name of another object, e.g. a StorageClass or IngressClass (a DNS-1123 subdomain). */
const objectName = (example: string) =>
  z
    .string()
    .max(253, { error: 'must be at most 253 characters (an object name)' })
    .regex(DNS_SUBDOMAIN, { error: `must be an object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "${example}")` });

/**
 * A web service's name. Its Service is named after it and a Service name must be a DNS-1035 label
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names);
 * while a canary runs there is also a `<name>-canary` Service, which must fit 63 characters too.
 */
const SERVICE_NAME_MAX = 63 - names.track('', 'canary').length;
const serviceName = z
  .string()
  .max(SERVICE_NAME_MAX, {
    error: `must be at most ${SERVICE_NAME_MAX} characters, so that the canary Service "<name>-canary" fits the 63 characters of a Service name; rename the service`,
  })
  .regex(DNS_1035_LABEL, {
    error:
      'must be a DNS-1035 label (the name of its Service): lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "api"); rename the service',
  });

/** A key of a Secret or ConfigMap (Kubernetes IsConfigMapKey), as a secretKeyRef names it. */
const secretKey = z
  .string()
  .max(253, { error: 'must be at most 253 characters (a Secret key)' })
  .regex(/^[-._a-zA-Z0-9]+$/, { error: 'must be a Secret key: letters, digits, "-", "_" and "." (e.g. "password")' })
  .refine((key) => key !== '.' && !key.startsWith('..'), { error: 'must not be "." or start with ".." (a Secret key)' });

// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label or annotation key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
const qualifiedName = (what: string, example: string) =>
  z
    .string()
    .regex(QUALIFIED_NAME, {
      error: `must be ${what} such as "${example}": [prefix/]name, the name of letters, digits, "-", "_" and ".", starting and ending with a letter or digit`,
    })
    .refine((key) => key.slice(key.lastIndexOf('/') + 1).length <= 63 && key.lastIndexOf('/') <= 253, {
      error: `must be ${what} with a name part of at most 63 characters and a prefix of at most 253`,
    });
const labelKey = qualifiedName('a Kubernetes label key', 'grafana_dashboard');

const labelValue = z
  .string()
  .max(63, { error: 'must be at most 63 characters (a label value)' })
  .regex(LABEL_VALUE, { error: 'must be a label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit, or empty' });

/**
 * CPU as Kubernetes writes it ("250m", "1.5"); a bare YAML number (2) is accepted as text. Quantities
 * are kept in the API server's canonical form ("1000m" -> "1"; config/quantity.ts) so re-applies show no drift.
 */
const cpuQuantity = z
  .union([z.number().positive(), z.string()], { error: 'must be a Kubernetes CPU quantity such as "250m", "1" or "1.5"' })
  .transform(String)
  .pipe(z.string().regex(CPU_QUANTITY, { error: 'must be a Kubernetes CPU quantity such as "250m", "1" or "1.5"' }))
  .transform(canonicalQuantity);

const byteQuantity = z.string().regex(BYTE_QUANTITY, { error: 'must be a Kubernetes byte quantity such as "512Mi", "1Gi" or "20Gi" (not "512MB")' }).transform(canonicalQuantity);

const port = z.number().int({ error: 'must be a whole number' }).min(1).max(65535);
const seconds = (min: number, max: number) => z.number().int({ error: 'must be a whole number of seconds' }).min(min).max(max);
const percent = z.number().int().min(1).max(100);
const envVarName = z.string().regex(ENV_VAR_NAME, { error: 'must be an environment variable name such as "LOG_LEVEL"' });

/** What a workload can list in `uses`: each datastore endpoint it may connect to. */
const DATASTORE_USES = ['mongodb', 'redis', 'postgres', 'postgres-read'] as const;

// ---------------------------------------------------------------------------
// Building blocks shared by workloads.
// ---------------------------------------------------------------------------

const imageSchema = z
  .strictObject({
    registry: z
      .string()
      .regex(REGISTRY_HOST, { error: 'must be a registry host such as "ghcr.io" or "registry.local:5000"' })
      .default('docker.io')
      .describe('Registry host, e.g. ghcr.io or docker.io.'),
    repository: z
      .string()
      .regex(IMAGE_REPOSITORY, { error: 'must be a lowercase image repository such as "library/mongo" or "acme/backend"' })
      .describe('Repository path inside the registry, e.g. library/mongo.'),
    tag: z
      .string()
      .regex(IMAGE_TAG, { error: 'must be an image tag such as "1.4.2" (letters, digits, ".", "_" and "-")' })
      .describe('Image tag. "latest" is rejected outside the dev tier.'),
    digest: z
      .string()
      .regex(IMAGE_DIGEST, { error: 'must be an image digest such as "sha256:<64 hex characters>"' })
      .optional()
      .describe('Optional digest; when set, the image is pinned by digest (the tag stays for readability).'),
    pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
  })
  .describe('Container image as registry/repository:tag[@digest].');

const resourceAmounts = z.strictObject({ cpu: cpuQuantity, memory: byteQuantity });

const resourcesSchema = z
  .strictObject({
    requests: resourceAmounts.describe('What the scheduler reserves for each container.'),
    limits: resourceAmounts.describe('The most each container may use (memory over the limit is OOM-killed).'),
  })
  .refine((r) => notAbove(r.requests.cpu, r.limits.cpu, cpuToMillicores), {
    error: 'requests.cpu must not exceed limits.cpu',
    path: ['requests', 'cpu'],
  })
  .refine((r) => notAbove(r.requests.memory, r.limits.memory, bytesOf), {
    error: 'requests.memory must not exceed limits.memory',
    path: ['requests', 'memory'],
  })
  .describe('CPU and memory requests and limits.');

/**
 * A container port name (IANA_SVC_NAME): at most 15 lowercase letters, digits and "-", with at
 * least one letter, no "--", starting and ending with a letter or digit. Probes and Services refer
 * to ports by it.
 */
const portName = z
  .string()
  .max(15, { error: 'must be at most 15 characters (a port name)' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'must be a port name: lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "p2p")' })
  .refine((name) => /[a-z]/.test(name) && !name.includes('--'), { error: 'must contain a letter and no "--" (a port name, e.g. "grpc")' });

const PROBE_TYPES = ['http', 'tcp', 'exec', 'grpc'] as const;

const probeSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    type: z
      .enum(PROBE_TYPES)
      .default('http')
      .describe('http: GET `path` answers 2xx/3xx; tcp: `port` accepts a connection; exec: `command` exits 0; grpc: the gRPC health service answers SERVING.'),
    path: z.string().regex(HTTP_PATH, { error: 'must be an HTTP path starting with "/"' }).default('/health').describe('Path of an http probe.'),
    port: z
      .union([port, portName])
      .optional()
      .describe('Port of an http, tcp or grpc probe: a number or a port name; default: the http port (services). A grpc probe needs a number.'),
    command: z.array(z.string()).min(1).optional().describe('Command of an exec probe, run in the container without a shell.'),
    grpcService: z.string().min(1).optional().describe('Service name a grpc probe asks the health service about; default: the server as a whole.'),
    initialDelaySeconds: seconds(0, 3600).default(0),
    periodSeconds: seconds(1, 3600).default(10),
    timeoutSeconds: seconds(1, 3600).default(3),
    failureThreshold: z.number().int().min(1).max(1000).default(3),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'exec' && !p.command)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'an exec probe needs the command it runs, e.g. ["pg_isready", "-U", "postgres"]' });
    if (p.type !== 'exec' && p.command) ctx.addIssue({ code: 'custom', path: ['command'], message: `only an exec probe runs a command; this probe is of type ${p.type}` });
    if (p.type === 'exec' && p.port !== undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'an exec probe has no port; remove it' });
    if (p.type === 'grpc' && typeof p.port === 'string')
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'a grpc probe needs a port number (Kubernetes takes no port name there)' });
    if (p.type !== 'grpc' && p.grpcService)
      ctx.addIssue({ code: 'custom', path: ['grpcService'], message: `only a grpc probe names a gRPC service; this probe is of type ${p.type}` });
  })
  .describe('A liveness, readiness or startup probe: http (the default), tcp, exec or grpc.');
export type ProbeConfig = z.infer<typeof probeSchema>;

const secretKeyRefSchema = z
  .strictObject({
    secretName: dnsSubdomain.describe('Name of an existing Secret in the environment namespace.'),
    key: secretKey.describe('Key inside that Secret.'),
  })
  .describe('A reference to a key of an existing Secret. Secret values never appear in config or manifests.');
export type SecretKeyRef = z.infer<typeof secretKeyRefSchema>;

const autoscalingSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    minReplicas: z.number().int().min(1).max(1000).default(2),
    maxReplicas: z.number().int().min(1).max(1000).default(10),
    targetCPUUtilizationPercentage: percent.default(70),
    targetMemoryUtilizationPercentage: percent.default(80),
    scaleDownStabilizationSeconds: seconds(0, 3600).default(300),
  })
  .refine((a) => a.minReplicas <= a.maxReplicas, {
    error: 'minReplicas must not exceed maxReplicas',
    path: ['minReplicas'],
  })
  .describe('HorizontalPodAutoscaler (autoscaling/v2). When enabled the Deployment omits spec.replicas.');

const securityContextSchema = z
  .strictObject({
    runAsUser: z.number().int().min(1).max(2147483647).default(1000),
    runAsGroup: z.number().int().min(1).max(2147483647).default(1000),
    fsGroup: z.number().int().min(1).max(2147483647).default(1000),
  })
  .describe('Numeric non-root identity the containers run as (Pod Security "restricted" needs a non-zero UID).');

const volumeSchema = z
  .strictObject({
    size: byteQuantity.prefault('10Gi'),
    accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod', 'ReadOnlyMany']).default('ReadWriteOnce'),
    storageClass: objectName('azurefile').optional().describe('StorageClass; omitted means the cluster default.'),
    mountPath: z.string().regex(/^\/.*/, { error: 'must be an absolute path' }),
  })
  .describe('A PersistentVolumeClaim named <workload>-<key>, mounted by every pod of the workload.');

// ---------------------------------------------------------------------------
// Workload shapes: controller kind, extra ports, files, extra containers, scheduling,
// identity and explicit security exceptions.
// ---------------------------------------------------------------------------

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'] as const;
const UPDATE_STRATEGIES = ['RollingUpdate', 'Recreate', 'OnDelete'] as const;

const extraPortSchema = z
  .strictObject({
    port: port.describe('Container port.'),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
    servicePort: port.optional().describe("Port of the workload's Service; default: the container port."),
  })
  .describe('A port besides the http port, by name; a web service exposes it on its Service too.');
export type ExtraPortConfig = z.infer<typeof extraPortSchema>;
const extraPorts = (what: string) => z.record(portName, extraPortSchema).default({}).describe(what);

const absolutePath = z.string().regex(/^\/.*/, { error: 'must be an absolute path' });

const fileSchema = z
  .strictObject({
    mountPath: absolutePath.describe('Where the file appears in the container (the full path of the file, e.g. /etc/nginx/conf.d/default.conf).'),
    content: z.string().optional().describe('The text of the file, inline.'),
    source: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A file of the repository, relative to the config directory (the directory that holds environments/, e.g. "files/nginx.conf"), read at synthesis; UTF-8 text only.',
      ),
    executable: z.boolean().default(false).describe('Mode 0555 instead of 0444 (e.g. an init script).'),
  })
  .superRefine((f, ctx) => {
    if ((f.content === undefined) === (f.source === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'set exactly one of content (the text inline) and source (a file of the repository)' });
    }
  })
  .describe("A file mounted from the workload's <name>-files ConfigMap; a change rolls the pods (checksum/files annotation).");

/** A probe of an extra container: off unless enabled, and it names its own port. */
const sidecarProbes = z
  .strictObject({
    liveness: probeSchema.prefault({ enabled: false }),
    readiness: probeSchema.prefault({ enabled: false }),
    startup: probeSchema.prefault({ enabled: false }),
  })
  .prefault({});

const extraContainerSchema = z
  .strictObject({
    name: dnsLabel.describe('Container name, unique in the pod.'),
    image: imageSchema,
    command: z.array(z.string()).optional().describe('Overrides the image ENTRYPOINT.'),
    args: z.array(z.string()).optional().describe('Overrides the image CMD.'),
    env: z.record(envVarName, z.string()).default({}).describe('Non-secret settings, written into the pod spec.'),
    secretEnv: z.record(envVarName, secretKeyRefSchema).default({}).describe('Environment variables read from existing Secrets (secretKeyRef).'),
    resources: resourcesSchema.prefault({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }),
    readOnlyRootFilesystem: z.boolean().default(true),
    writablePaths: z.array(absolutePath).default(['/tmp']).describe('Paths that get an emptyDir (shared with the other containers that list the same path).'),
    files: z.array(z.string()).default([]).describe('Keys of the workload `files` to mount here too, at their mountPath.'),
    volumes: z.array(dnsLabel).default([]).describe('Keys of the workload `volumes` to mount here too, at their mountPath.'),
    ports: extraPorts('Ports of a sidecar (not exposed on the Service; name them in probes).'),
    probes: sidecarProbes.describe('Probes of a sidecar (off unless enabled; http, tcp and grpc probes name a port).'),
  })
  .describe('An init container or sidecar: the same restricted security context as the workload container.');
export type ExtraContainerConfig = z.infer<typeof extraContainerSchema>;

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
const nodeSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z.enum(SELECTOR_OPERATORS),
    values: z.array(z.string()).default([]),
  })
  .superRefine((r, ctx) => {
    if ((r.operator === 'In' || r.operator === 'NotIn') && r.values.length === 0)
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} needs values` });
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && r.values.length > 0)
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} takes no values` });
    if ((r.operator === 'Gt' || r.operator === 'Lt') && (r.values.length !== 1 || !/^-?[0-9]+$/.test(r.values[0]))) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} takes exactly one integer value, e.g. ["4"]` });
    }
  });

const tolerationSchema = z
  .strictObject({
    key: labelKey.optional().describe('Taint key; omitted with operator Exists: every taint.'),
    operator: z.enum(['Equal', 'Exists']).default('Equal'),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Omitted: every effect.'),
    tolerationSeconds: z.number().int().min(0).optional().describe('NoExecute only: how long the pod stays after the taint appears.'),
  })
  .superRefine((t, ctx) => {
    if (t.operator === 'Exists' && t.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'operator Exists takes no value' });
    if (t.operator === 'Equal' && t.key === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'operator Equal needs the taint key' });
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      ctx.addIssue({ code: 'custom', path: ['tolerationSeconds'], message: 'only a NoExecute toleration has tolerationSeconds' });
  })
  .describe('Lets the pods run on nodes with a matching taint (e.g. a spot pool).');

const schedulingSchema = z
  .strictObject({
    nodeSelector: z.record(labelKey, labelValue).default({}).describe('Node labels the pods need, e.g. {"cloud.google.com/gke-spot": "true"}.'),
    tolerations: z.array(tolerationSchema).default([]),
    affinity: z
      .strictObject({
        nodeAffinity: z
          .strictObject({
            required: z
              .array(z.strictObject({ matchExpressions: z.array(nodeSelectorRequirement).min(1) }))
              .default([])
              .describe('A node must match one of these terms (requiredDuringSchedulingIgnoredDuringExecution).'),
            preferred: z
              .array(z.strictObject({ weight: z.number().int().min(1).max(100), matchExpressions: z.array(nodeSelectorRequirement).min(1) }))
              .default([])
              .describe('Nodes matching these terms are preferred, by weight (preferredDuringSchedulingIgnoredDuringExecution).'),
          })
          .prefault({}),
        podAntiAffinity: z
          .enum(['none', 'preferred', 'required'])
          .default('none')
          .describe("Keep the workload's pods on different nodes: preferred, or required (then at most one pod per node)."),
      })
      .prefault({}),
    priorityClassName: objectName('high-priority').optional().describe('PriorityClass of the pods (it must exist in the cluster).'),
  })
  .describe('Where the pods may run: node labels, taints they tolerate, affinity, priority.');
export type SchedulingConfig = z.infer<typeof schedulingSchema>;

const reason = z.string().trim().min(10, { error: 'must say why the workload needs it (at least 10 characters); the policy report prints it' });
const CAPABILITY = /^[A-Z][A-Z_]*$/;

const SECURITY_EXCEPTIONS = ['runAsRoot', 'privilegeEscalation', 'capabilities', 'privileged'] as const;
export type SecurityException = (typeof SECURITY_EXCEPTIONS)[number];

const securityExceptionsSchema = z
  .strictObject({
    runAsRoot: reason.optional().describe('Run as UID 0 (runAsNonRoot: false). The namespace then enforces Pod Security "baseline".'),
    privilegeEscalation: reason.optional().describe('allowPrivilegeEscalation: true (setuid binaries). The namespace then enforces "baseline".'),
    capabilities: z
      .strictObject({
        add: z
          .array(z.string().regex(CAPABILITY, { error: 'must be a Linux capability without CAP_, e.g. "NET_ADMIN"' }))
          .min(1)
          .describe('Capabilities added after dropping ALL.'),
        reason,
      })
      .optional()
      .describe('Linux capabilities besides NET_BIND_SERVICE. Beyond the "baseline" set the namespace enforces "privileged".'),
    privileged: reason.optional().describe('A privileged container (a node agent). The namespace then enforces "privileged".'),
  })
  .default({})
  .describe(
    'What the workload needs beyond the Pod Security "restricted" profile, each with the reason. Nothing is relaxed without an entry here; the policy report lists every one, and the namespace enforces the least strict level any workload needs (warn and audit stay "restricted").',
  );
export type SecurityExceptionsConfig = z.infer<typeof securityExceptionsSchema>;

/** Fields every workload (web service or worker) has. */
const workloadFields = {
  enabled: z.boolean().default(true),
  component: dnsLabel.optional().describe('app.kubernetes.io/component; defaults to the workload name.'),
  image: imageSchema,
  imagePullSecrets: z.array(dnsSubdomain).default([]).describe('Extra pull secrets for this workload (added to the global list).'),
  replicas: z.number().int().min(0).max(1000).default(2).describe('Replicas when autoscaling is off.'),
  command: z.array(z.string()).optional().describe('Overrides the image ENTRYPOINT.'),
  args: z.array(z.string()).optional().describe('Overrides the image CMD.'),
  env: z.record(envVarName, z.string()).default({}).describe('Non-secret settings, delivered through a ConfigMap.'),
  secretEnv: z.record(envVarName, secretKeyRefSchema).default({}).describe('Environment variables read from existing Secrets (secretKeyRef); values never appear in manifests.'),
  uses: z
    .array(z.enum(DATASTORE_USES))
    .default([])
    .describe(
      'Datastores this workload connects to; their connection settings are injected as env vars. "postgres" is the PostgreSQL primary, "postgres-read" its read replicas (the primary when postgres.replicas is 0).',
    ),
  calls: callsSchema,
  traces: z.boolean().default(true).describe('With traces.enabled: inject the OpenTelemetry settings into this workload (false opts it out).'),
  resources: resourcesSchema.prefault({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
  securityContext: securityContextSchema.prefault({}),
  readOnlyRootFilesystem: z.boolean().default(true),
  writablePaths: z
    .array(z.string().regex(/^\/.*/, { error: 'must be an absolute path' }))
    .default(['/tmp'])
    .describe('Paths that get an emptyDir because the root filesystem is read-only.'),
  volumes: z.record(dnsLabel, volumeSchema).prefault({}),
  autoscaling: autoscalingSchema.prefault({ enabled: false }),
  kind: z
    .enum(WORKLOAD_KINDS)
    .default('Deployment')
    .describe(
      'Deployment (stateless: pods are interchangeable and share the volumes) or StatefulSet (stable pod names <name>-0, <name>-1, ... behind the headless Service <name>-headless, each pod with its own claim of every volume).',
    ),
  updateStrategy: z
    .enum(UPDATE_STRATEGIES)
    .default('RollingUpdate')
    .describe('How new pods replace old ones: RollingUpdate, Recreate (Deployment: all old pods stop first) or OnDelete (StatefulSet: a pod is replaced only when deleted).'),
  ports: extraPorts('Ports besides the http port (services), e.g. p2p: {port: 30303, protocol: UDP}.'),
  files: z
    .record(secretKey, fileSchema)
    .default({})
    .describe('Files written from config (or from a file of the repository) into the ConfigMap <name>-files and mounted, each at its mountPath.'),
  initContainers: z.array(extraContainerSchema).default([]).describe('Containers that run to completion, in order, before the workload container starts.'),
  sidecars: z.array(extraContainerSchema).default([]).describe('Containers that run beside the workload container for the life of the pod.'),
  serviceAccount: z
    .strictObject({
      annotations: z
        .record(qualifiedName('an annotation key', 'eks.amazonaws.com/role-arn'), z.string())
        .default({})
        .describe(
          'Annotations of the ServiceAccount, e.g. cloud workload identity (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account, azure.workload.identity/client-id).',
        ),
    })
    .prefault({}),
  automountServiceAccountToken: z
    .boolean()
    .default(false)
    .describe('Mount a Kubernetes API token into the pods; only for workloads that call the API server (or whose workload identity needs the projected token).'),
  scheduling: schedulingSchema.prefault({}),
  securityExceptions: securityExceptionsSchema,
};

export const workerSchema = z
  .strictObject({
    ...workloadFields,
    probes: z
      .strictObject({
        liveness: probeSchema.prefault({ enabled: false, periodSeconds: 30, timeoutSeconds: 5 }),
        readiness: probeSchema.prefault({ enabled: false }),
        startup: probeSchema.prefault({ enabled: false, periodSeconds: 5, failureThreshold: 30 }),
      })
      .prefault({})
      .describe('Probes of a worker: off unless enabled; a worker has no http port, so http, tcp and grpc probes name one of its `ports`.'),
  })
  .describe('A background worker: Deployment (or StatefulSet) without Service or Ingress.');

// What Kubernetes refuses in an Exact or Prefix Ingress path (validateHTTPIngressPath in
// pkg/apis/networking/validation/validation.go).
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

const ingressPathSchema = z
  .strictObject({
    path: z.string().regex(HTTP_PATH, { error: 'must be an HTTP path starting with "/"' }),
    pathType: z.enum(['Prefix', 'Exact', 'ImplementationSpecific']).default('Prefix'),
  })
  .superRefine((p, ctx) => {
    if (p.pathType === 'ImplementationSpecific') return;
    const sequence = INVALID_PATH_SEQUENCES.find((s) => p.path.includes(s));
    const suffix = INVALID_PATH_SUFFIXES.find((s) => p.path.endsWith(s));
    const bad = sequence ? `contain "${sequence}"` : suffix ? `end with "${suffix}"` : undefined;
    if (bad) ctx.addIssue({ code: 'custom', path: ['path'], message: `must not ${bad} (Kubernetes refuses it in a ${p.pathType} path); write the path plainly, e.g. "/api/v1"` });
  });

/**
 * Two Ingress paths that match the same requests. Kubernetes ignores a trailing slash of a Prefix
 * path ("/api" and "/api/" both match /api and /api/x:
 * https://kubernetes.io/docs/concepts/services-networking/ingress/#examples), so both would be
 * routed, to the same or to different services, and the controller would pick one.
 */
function routeKey(p: z.infer<typeof ingressPathSchema>): string {
  return p.pathType === 'Prefix' ? p.path.replace(/\/+$/, '') || '/' : p.path;
}

// RFC 9110 token: what an HTTP header name may contain.
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A size in nginx units, as ingress-nginx's proxy-body-size takes it. */
const nginxSize = z.string().regex(/^[0-9]+[kmg]?$/, { error: 'must be an nginx size such as "50m", "512k" or "1g"' });

/** A host name an Ingress rule can serve (Kubernetes rejects an IP address there). */
const hostName = dnsSubdomain.refine((host) => isIP(host) === 0, { error: 'must be a DNS name such as "app.example.com", not an IP address' });

export const canaryAnalysisSchema = z
  .strictObject({
    window: z
      .string()
      .regex(/^[0-9]+[smh]$/, { error: 'must be a Prometheus duration such as "5m"' })
      .default('5m')
      .describe('Range of the rate() windows.'),
    minRequests: z.number().int().min(0).default(50).describe('Fewer canary requests than this in the window means "hold": too little data to judge.'),
    maxErrorRate: z.number().min(0).max(1).default(0.05).describe('Roll back when the canary 5xx share exceeds this (0.05 = 5%).'),
    maxErrorRateIncrease: z.number().min(0).max(1).default(0.03).describe('Roll back when the canary error rate exceeds stable by more than this (0.03 = 3 percentage points).'),
    maxP95LatencySeconds: z.number().positive().default(2).describe('Roll back when the canary p95 latency exceeds this.'),
    maxLatencyRatio: z.number().min(1).default(1.5).describe('Roll back when the canary p95 exceeds stable p95 times this.'),
    requestsMetric: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
      .default('http_requests_total')
      .describe('Counter of HTTP requests.'),
    durationMetric: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
      .default('http_request_duration_seconds')
      .describe('Histogram of request durations (without _bucket).'),
    statusLabel: z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
      .default('status_code')
      .describe('Label holding the HTTP status code (prom-client/express-prom-bundle: status_code).'),
  })
  .describe('Thresholds of `npm run canary -- analyze` and of the canary alert rules (defaults: the reference rollback triggers).');

const canarySchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run a canary track. Managed by `npm run canary`.'),
    tag: z.string().regex(IMAGE_TAG, { error: 'must be an image tag such as "1.4.2"' }).optional().describe('Image tag of the canary (same registry and repository as stable).'),
    digest: z.string().regex(IMAGE_DIGEST, { error: 'must be an image digest such as "sha256:<64 hex characters>"' }).optional(),
    weight: z.number().int().min(0).optional().describe('Current share of traffic (nginx canary-weight); defaults to the first step.'),
    stepStartedAt: z.iso
      .datetime({ offset: true, error: 'must be an RFC 3339 time such as "2026-01-31T12:00:00Z"' })
      .optional()
      .describe('When the current step began (RFC 3339). Managed by `npm run canary`: promote waits minStepDuration after it.'),
    minStepDuration: z
      .string()
      .regex(/^[0-9]+[smh]$/, { error: 'must be a duration such as "10m", "90s" or "1h"' })
      .default('10m')
      .describe('Bake time: the least time a canary stays at a step before `npm run canary -- promote` moves it on ("0s": no wait; --force overrides).'),
    weightTotal: z.number().int().min(1).max(1_000_000).default(100).describe('nginx canary-weight-total: weights are out of this.'),
    steps: z.array(z.number().int().min(1)).min(1).default([10, 25, 50, 100]).describe('Weights a canary moves through; reaching the last (= weightTotal) promotes it to stable.'),
    header: z
      .strictObject({
        name: z.string().regex(HTTP_TOKEN, { error: 'must be an HTTP header name such as "X-Canary"' }),
        value: z.string().min(1).optional().describe('Only this value routes to the canary (canary-by-header-value).'),
        pattern: z.string().min(1).optional().describe('Values matching this regex route to the canary (canary-by-header-pattern).'),
      })
      .optional()
      .describe('Requests with this header go to the canary ("always") or never ("never"), whatever the weight.'),
    cookie: z
      .string()
      .regex(HTTP_TOKEN, { error: 'must be a cookie name such as "canary"' })
      .optional()
      .describe('A cookie with value "always" routes to the canary, "never" to stable (canary-by-cookie).'),
    replicas: z.number().int().min(1).max(100).default(1),
    resources: resourcesSchema.optional().describe("Canary resources: an overlay on the service's resources (set only what differs); omitted: the service's."),
    analysis: canaryAnalysisSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.enabled && !c.tag) ctx.addIssue({ code: 'custom', path: ['tag'], message: 'an enabled canary needs the image tag it runs' });
    if (c.weight !== undefined && c.weight > c.weightTotal) {
      ctx.addIssue({ code: 'custom', path: ['weight'], message: `must be between 0 and weightTotal (${c.weightTotal})` });
    }
    c.steps.forEach((step, i) => {
      if (i > 0 && step <= c.steps[i - 1]) ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'steps must be strictly increasing' });
      if (step > c.weightTotal) ctx.addIssue({ code: 'custom', path: ['steps', i], message: `must not exceed weightTotal (${c.weightTotal})` });
    });
    if (c.steps[c.steps.length - 1] !== c.weightTotal) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: `the last step must be weightTotal (${c.weightTotal}): reaching it promotes the canary` });
    }
    if (c.header?.value && c.header.pattern) {
      ctx.addIssue({ code: 'custom', path: ['header', 'pattern'], message: 'set either header.value or header.pattern, not both' });
    }
  })
  .describe('Canary track routed by ingress-nginx canary annotations (weight, header, cookie).');
export type CanaryConfig = z.infer<typeof canarySchema>;

/**
 * The hosts a service's paths are served on, by their keys in `ingress.hosts` (undefined: the
 * environment host): its `ingress.host`, then its `ingress.extraHosts`.
 */
export function serviceHostKeys(ingress: { readonly host?: string; readonly extraHosts: readonly string[] }): (string | undefined)[] {
  return [ingress.host, ...ingress.extraHosts.filter((key) => key !== ingress.host)];
}

export const webServiceSchema = z
  .strictObject({
    ...workloadFields,
    port: port.default(8080).describe('Container port the process listens on (also exported as PORT).'),
    servicePort: port.default(80).describe('Port of the ClusterIP Service.'),
    ingress: z
      .strictObject({
        paths: z.array(ingressPathSchema).default([]),
        host: dnsLabel.optional().describe('The key of the ingress.hosts entry whose host serves these paths; omitted: ingress.host.'),
        extraHosts: z
          .array(dnsLabel)
          .default([])
          .describe(
            'Keys of further ingress.hosts entries that serve the same paths with the same settings, e.g. ["regional"] for a regional host beside the global one (ingress.host).',
          ),
        sessionAffinity: z
          .strictObject({
            cookie: z.string().regex(HTTP_TOKEN, { error: 'must be a cookie name such as "route"' }).default('route').describe('Name of the cookie.'),
            maxAgeSeconds: seconds(1, 31_536_000).optional().describe("The cookie's Max-Age; omitted: a session cookie."),
          })
          .optional()
          .describe('Sticky sessions: a cookie pins each client to one pod (set it, e.g. {}, to turn it on).'),
        websocket: z.boolean().default(false).describe('Long-lived connections (WebSocket, server-sent events): read and send timeouts of 3600 s unless timeouts say otherwise.'),
        timeouts: z
          .strictObject({
            connectSeconds: seconds(1, 3600).optional(),
            readSeconds: seconds(1, 86_400).optional(),
            sendSeconds: seconds(1, 86_400).optional(),
          })
          .prefault({})
          .describe("Proxy timeouts of this service's routes (ingress-nginx default: 5 s connect, 60 s read and send)."),
        proxyBodySize: nginxSize.optional().describe('Largest request body for this service; default: ingress.proxyBodySize.'),
        stripPrefix: z
          .boolean()
          .default(false)
          .describe('Remove the matched path prefix before passing a request on (/api/users/42 reaches the service as /42); Prefix paths other than "/" only.'),
        annotations: z
          .record(qualifiedName('an annotation key', 'nginx.ingress.kubernetes.io/configuration-snippet'), z.string())
          .default({})
          .describe("Extra annotations of this service's own Ingress."),
      })
      .prefault({})
      .describe(
        "How the environment's Ingress routes to this service. Settings besides paths and host put the service's routes into an Ingress of its own, named like the service, so they apply to this service only.",
      ),
    probes: z
      .strictObject({
        liveness: probeSchema.prefault({ periodSeconds: 30, timeoutSeconds: 5 }),
        readiness: probeSchema.prefault({ periodSeconds: 10, timeoutSeconds: 3 }),
        startup: probeSchema.prefault({ periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30 }),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true),
        path: z.string().regex(HTTP_PATH).default('/metrics'),
        port: port.optional().describe('Separate metrics port; omitted means the main port serves /metrics.'),
      })
      .prefault({})
      .describe('Prometheus metrics endpoint of the service.'),
    terminationGracePeriodSeconds: seconds(1, 3600).default(30),
    preStopDelaySeconds: seconds(0, 300).default(5).describe('Sleep before SIGTERM so the endpoint is removed from load balancers before the process stops.'),
    canary: canarySchema.prefault({}),
    delivery: serviceDeliverySchema,
    blueGreen: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Run two Deployments, <name>-blue and <name>-green; the Service selects the active one.'),
        active: z.enum(COLOURS).default('blue').describe('The colour that serves traffic (runs image.tag). Managed by `npm run canary -- switch`.'),
        idleTag: z
          .string()
          .regex(IMAGE_TAG, { error: 'must be an image tag such as "1.4.2"' })
          .optional()
          .describe('What the idle colour runs: the next version before a switch, the previous one after.'),
        idleDigest: z.string().regex(IMAGE_DIGEST).optional(),
        idleState: z
          .enum(IDLE_STATES)
          .optional()
          .describe(
            'What idleTag is (managed by `npm run canary`): staged (by start, never active), previous (active before the last switch) or rolledBack (active until a rollback). Omitted with an idleTag: staged.',
          ),
      })
      .prefault({})
      .describe('Blue-green releases (the reference production strategy), an alternative to canary.'),
    rollingUpdate: z
      .strictObject({
        maxSurge: z.union([z.number().int().min(0), z.string().regex(/^[0-9]+%$/)]).default('25%'),
        maxUnavailable: z.union([z.number().int().min(0), z.string().regex(/^[0-9]+%$/)]).default(0),
      })
      .prefault({}),
    topologySpread: z.boolean().optional().describe('Spread the pods over zones and nodes (topologySpreadConstraints, ScheduleAnyway); default: on except in the dev tier.'),
  })
  .describe('An HTTP service: Deployment, ClusterIP Service, optional HPA and Ingress paths.');

export type WebServiceConfig = z.infer<typeof webServiceSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;
export type WorkloadConfig = WebServiceConfig | WorkerConfig;

// ---------------------------------------------------------------------------
// Datastores
// ---------------------------------------------------------------------------

/** Replicas of a datastore's primary (Redis, PostgreSQL): none by default, at most 15. */
const datastoreReplicas = z.number().int().min(0).max(15).default(0);

const datastoreStorageSchema = (size: string) =>
  z
    .strictObject({
      size: byteQuantity.prefault(size),
      storageClass: objectName('azurefile').optional().describe('StorageClass; omitted means the cluster default.'),
    })
    .prefault({});

/** Prometheus exporter sidecar of a datastore, scraped through a `metrics` port of its Service. */
const exporterSchema = (repository: string, tag: string) =>
  z
    .strictObject({
      enabled: z.boolean().default(true).describe('Run the exporter sidecar; with monitoring.enabled also a ServiceMonitor for it.'),
      image: imageSchema.prefault({ registry: 'docker.io', repository, tag }),
      resources: resourcesSchema.prefault({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }),
    })
    .prefault({});

const mongodbSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    image: imageSchema.prefault({ registry: 'docker.io', repository: 'library/mongo', tag: '7.0' }),
    database: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/)
      .default('app')
      .describe('Database the applications use.'),
    auth: z
      .strictObject({
        existingSecret: dnsSubdomain.default('mongodb-auth'),
        usernameKey: secretKey.default('username'),
        passwordKey: secretKey.default('password'),
      })
      .prefault({})
      .describe('Root credentials, read from an existing Secret (create it before deploying).'),
    replicaSet: z
      .strictObject({
        enabled: z.boolean().default(false),
        name: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('rs0'),
        members: z.number().int().min(1).max(7).default(3),
        keyFile: z
          .strictObject({
            existingSecret: dnsSubdomain.default('mongodb-keyfile'),
            key: secretKey.default('keyfile'),
          })
          .prefault({})
          .describe('Shared key for internal member authentication, from an existing Secret.'),
      })
      .prefault({})
      .refine((rs) => !rs.enabled || rs.members % 2 === 1, {
        error: 'members must be odd so the replica set can elect a primary',
        path: ['members'],
      }),
    storage: datastoreStorageSchema('20Gi'),
    resources: resourcesSchema.prefault({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '2Gi' } }),
    // The official image's mongodb user.
    securityContext: securityContextSchema.prefault({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 }),
    metrics: exporterSchema('percona/mongodb_exporter', '0.43.1').describe('percona/mongodb_exporter sidecar in every member.'),
  })
  .describe('MongoDB StatefulSet (official image) with a headless Service.');

/** maxmemory as a share of the container's memory limit. */
export const PERCENT_OF_LIMIT = /^([1-9][0-9]?|100)%$/;

/** https://redis.io/docs/latest/develop/reference/eviction/#eviction-policies */
const REDIS_MAXMEMORY_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const;

const redisSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    image: imageSchema.prefault({ registry: 'docker.io', repository: 'library/redis', tag: '7' }),
    auth: z
      .strictObject({
        existingSecret: dnsSubdomain.default('redis-auth'),
        passwordKey: secretKey.default('password'),
      })
      .prefault({})
      .describe('Password, read from an existing Secret (create it before deploying).'),
    appendOnly: z.boolean().default(true).describe('AOF persistence.'),
    maxmemory: z
      .union([z.string().regex(PERCENT_OF_LIMIT, { error: 'must be a share of the memory limit such as "75%"' }), byteQuantity], {
        error: 'must be a share of the memory limit such as "75%" or a byte quantity such as "200Mi"',
      })
      .default('75%')
      .describe(
        'Redis maxmemory: a share of the container memory limit ("75%", computed in the pod from the limit, so it follows the limit) or a size ("200Mi"). Below 100 %: a fork for RDB/AOF rewrite, replication and client buffers need memory beyond the data, and at the limit the kernel kills Redis.',
      ),
    maxmemoryPolicy: z
      .enum(REDIS_MAXMEMORY_POLICIES)
      .default('allkeys-lru')
      .describe(
        "What Redis does at maxmemory (https://redis.io/docs/latest/develop/reference/eviction/). Default allkeys-lru: this Redis is the stack's cache, and a cache must evict the least recently used keys instead of refusing writes (noeviction) or evicting only keys with a TTL (volatile-*). Use noeviction when Redis holds data that must not disappear.",
      ),
    replicas: datastoreReplicas.describe(
      'Replicas of the primary (StatefulSet <name>-read, `replicaof` the primary pod), served by the <name>-read Service; with sentinel, the failover candidates.',
    ),
    sentinel: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Run Redis Sentinel for automatic failover (needs replicas >= 1); clients get the Sentinel endpoints and the master name.'),
        replicas: z.number().int().min(1).max(7).default(3).describe('Sentinel pods (StatefulSet <name>-sentinel); an odd number, 3 or more, survives the loss of one.'),
        quorum: z.number().int().min(1).max(7).optional().describe('Sentinels that must agree the primary is down; default: a majority of sentinel.replicas.'),
        masterName: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be a master name such as "mymaster" (letters, digits, "_", "." and "-")' })
          .default('mymaster')
          .describe('The name clients ask the Sentinels for (REDIS_SENTINEL_MASTER).'),
        downAfterSeconds: seconds(1, 3600).default(10).describe('How long the primary must be unreachable before a Sentinel considers it down.'),
        failoverTimeoutSeconds: seconds(10, 3600).default(60).describe('Sentinel failover-timeout: how long a failover may take before another is tried.'),
        resources: resourcesSchema.prefault({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } }),
      })
      .prefault({})
      .refine((s) => s.quorum === undefined || s.quorum <= s.replicas, { error: 'quorum must not exceed sentinel.replicas', path: ['quorum'] }),
    storage: datastoreStorageSchema('8Gi'),
    resources: resourcesSchema.prefault({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }),
    // The official image's redis user.
    securityContext: securityContextSchema.prefault({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 }),
    metrics: exporterSchema('oliver006/redis_exporter', 'v1.67.0').describe('oliver006/redis_exporter sidecar in the primary and every replica.'),
  })
  .superRefine((redis, ctx) => {
    if (redis.sentinel.enabled && redis.replicas === 0) {
      ctx.addIssue({ code: 'custom', path: ['sentinel', 'enabled'], message: 'Sentinel fails over to a replica: set redis.replicas to 1 or more' });
    }
    if (!PERCENT_OF_LIMIT.test(redis.maxmemory) && !notAbove(redis.maxmemory, redis.resources.limits.memory, bytesOf)) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxmemory'],
        message: `must not exceed resources.limits.memory (${redis.resources.limits.memory}): at the limit the kernel kills Redis`,
      });
    }
  })
  .describe('Redis StatefulSet (official image): a primary with a PVC, optional replicas and Sentinel.');

/** The major version of a postgres image tag ("15", "16.4-bookworm" -> 15, 16); undefined for other tags. */
function postgresMajor(tag: string): number | undefined {
  const match = /^([0-9]+)(?:[.-]|$)/.exec(tag);
  return match ? Number(match[1]) : undefined;
}

const POSTGRES_MIN_MAJOR = 15;

const postgresSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run PostgreSQL; workloads connect with `uses: [postgres]` (primary) or `postgres-read` (replicas).'),
    image: imageSchema
      .prefault({ registry: 'docker.io', repository: 'library/postgres', tag: '15' })
      .refine((image) => (postgresMajor(image.tag) ?? POSTGRES_MIN_MAJOR) >= POSTGRES_MIN_MAJOR, {
        error: `must be PostgreSQL ${POSTGRES_MIN_MAJOR} or newer (a tag such as "15" or "16.4")`,
        path: ['tag'],
      })
      .describe('The official postgres image (or one built from it: same entrypoint, binaries and UID 999), PostgreSQL 15 or newer.'),
    database: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lowercase SQL identifier such as "app" (letters, digits and "_", at most 63)' })
      .default('app')
      .describe('Database created on first start (POSTGRES_DB) and given to the workloads.'),
    auth: z
      .strictObject({
        existingSecret: dnsSubdomain.default('postgres-auth'),
        usernameKey: secretKey.default('username'),
        passwordKey: secretKey.default('password'),
      })
      .prefault({})
      .describe(
        'Superuser credentials, read from an existing Secret (create it before deploying); the replicas stream with them too. The username must be a plain identifier and the password URL-safe.',
      ),
    replicas: datastoreReplicas.describe('Streaming read replicas (StatefulSet <name>-read, bootstrapped with pg_basebackup), served by the <name>-read Service.'),
    maxConnections: z.number().int().min(10).max(10000).default(100).describe("max_connections, on the primary and the replicas (a hot standby needs at least the primary's)."),
    walKeepSize: byteQuantity
      .prefault('1Gi')
      .describe('wal_keep_size on the primary: WAL kept for a replica that falls behind; a replica further behind must be re-created (delete its claim).'),
    storage: datastoreStorageSchema('20Gi'),
    resources: resourcesSchema.prefault({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2000m', memory: '2Gi' } }),
    // The official image's postgres user.
    securityContext: securityContextSchema.prefault({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 }),
    metrics: exporterSchema('prometheuscommunity/postgres-exporter', 'v0.15.0').describe('prometheus-community postgres_exporter sidecar in the primary and every replica.'),
  })
  .describe('PostgreSQL (official image): a primary StatefulSet and optional streaming read replicas, with headless and client Services.');

// ---------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------

const cidrText = z.string().refine((text) => parseCidr(text) !== undefined, { error: 'must be a CIDR block such as "0.0.0.0/0" or "10.0.0.0/8"' });

/** A CronJob schedule in the five-field cron syntax (config/cron.ts). */
const cronSchedule = z.string().superRefine((text, ctx) => {
  const parsed = parseCron(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

const backupSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Back up every enabled datastore (MongoDB, PostgreSQL, Redis) with a verified dump. The tier sets it before the environment file (config/layers.ts): on in staging and prod, off in dev.',
      ),
    schedule: cronSchedule
      .default('0 */6 * * *')
      .describe(
        'When backups run (cron, UTC): every 6 hours by default. The RPO alert fires when the last success is older than the longest gap of this schedule plus the two deadlines.',
      ),
    startingDeadlineSeconds: seconds(60, 86400).default(900).describe('A run that could not start within this long after its time is skipped (counted as missed).'),
    activeDeadlineSeconds: seconds(60, 86400).default(3600).describe('A backup (dump, verify, upload) that takes longer is stopped and fails.'),
    backoffLimit: z.number().int().min(0).max(10).default(1).describe('Retries of a failed backup within one run.'),
    successfulJobsHistoryLimit: z.number().int().min(0).max(100).default(3),
    failedJobsHistoryLimit: z.number().int().min(0).max(100).default(3),
    retentionDays: z.number().int().min(1).max(3650).default(7).describe('Local backups (on the backup claim) older than this many days are deleted after each backup.'),
    storage: datastoreStorageSchema('20Gi').describe('The claim of each datastore for its local backups (<datastore>-backup).'),
    resources: resourcesSchema.prefault({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } }).describe('Of the backup and upload containers.'),
    upload: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Copy each verified backup to object storage (S3, Azure Blob, GCS, ...) with rclone.'),
        remote: z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_. -]*:[A-Za-z0-9_./-]*$/, { error: 'must be an rclone remote and path such as "azure:backups/webapp-prod"' })
          .optional()
          .describe('rclone remote (a section of the rclone config) and path; each datastore uploads to <remote>/<datastore>. Required with upload.enabled.'),
        existingSecret: dnsSubdomain.default('backup-rclone').describe('Secret holding the rclone configuration file (its remote credentials).'),
        key: secretKey.default('rclone.conf'),
        retentionDays: z.number().int().min(1).max(3650).default(30).describe('Remote backups older than this many days are deleted after each upload (rclone delete --min-age).'),
        image: imageSchema.prefault({ registry: 'docker.io', repository: 'rclone/rclone', tag: '1.68.2' }),
        egress: z
          .strictObject({
            cidr: cidrText.default('0.0.0.0/0').describe('Where the object storage is (addresses outside the cluster).'),
            except: z.array(cidrText).default(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
            ports: z.array(port).min(1).default([443]),
          })
          .prefault({})
          .describe('The NetworkPolicy egress of the backup pods to the object storage.'),
      })
      .prefault({})
      .refine((u) => !u.enabled || u.remote !== undefined, { error: 'upload.enabled needs upload.remote, e.g. "azure:backups/webapp-prod"', path: ['remote'] }),
  })
  .describe('Scheduled, verified backups of the datastores, kept on a claim and optionally uploaded (see docs/datastores.md#backups).');

// ---------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------

const ingressSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    className: objectName('nginx').default('nginx').describe('IngressClass of the controller that serves the Ingress.'),
    host: hostName.default('app.example.com').describe('The environment host: where services without ingress.host are routed.'),
    tls: z
      .strictObject({
        enabled: z.boolean().default(true),
        clusterIssuer: z.string().min(1).default('letsencrypt-prod').describe('cert-manager ClusterIssuer that issues the certificate.'),
        secretName: dnsSubdomain.optional().describe('Secret cert-manager writes the certificate to; default <app>-tls.'),
      })
      .prefault({}),
    rateLimit: z
      .strictObject({
        enabled: z.boolean().default(true),
        requestsPerSecond: z.number().int().min(1).default(20).describe('Per client IP (nginx.ingress.kubernetes.io/limit-rps).'),
        burstMultiplier: z.number().int().min(1).default(5),
        connections: z.number().int().min(1).default(50).describe('Concurrent connections per client IP.'),
      })
      .prefault({}),
    proxyBodySize: nginxSize.default('50m').describe('Largest accepted request body, in nginx units (nginx.ingress.kubernetes.io/proxy-body-size).'),
    annotations: z
      .record(qualifiedName('an annotation key', 'nginx.ingress.kubernetes.io/proxy-read-timeout'), z.string())
      .default({})
      .describe('Extra annotations for every Ingress of the environment.'),
    hosts: z
      .record(
        dnsLabel,
        z
          .strictObject({
            host: hostName.describe('The host name, e.g. "admin.example.com".'),
            tls: z
              .strictObject({
                enabled: z.boolean().optional().describe('Default: ingress.tls.enabled.'),
                clusterIssuer: z.string().min(1).optional().describe('Default: ingress.tls.clusterIssuer.'),
                secretName: dnsSubdomain.optional().describe('Secret cert-manager writes the certificate to; default <app>-<key>-tls.'),
              })
              .prefault({})
              .describe("This host's certificate; each key defaults to ingress.tls's."),
          })
          .describe('A further host, by a short name (its key) that services.<name>.ingress.host names.'),
      )
      .default({})
      .describe('Hosts besides ingress.host, each with its own TLS certificate; a service is routed on one with services.<name>.ingress.host.'),
  })
  .describe('NGINX Ingress in front of the web services.');

// ---------------------------------------------------------------------------
// Observability: alert thresholds, Alertmanager receivers, Grafana, logs
// ---------------------------------------------------------------------------

const promDuration = z.string().regex(/^[0-9]+(ms|s|m|h|d)$/, { error: 'must be a Prometheus duration such as "30s", "5m" or "4h"' });
const share = (what: string, value: number) => z.number().gt(0).lt(1).default(value).describe(what);
const holdFor = (value: string) => promDuration.default(value).describe('How long the condition must hold before the alert fires.');

const alertsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Emit the environment PrometheusRule (50-monitoring.yaml).'),
    runbookBaseUrl: z
      .url()
      .default('https://github.com/example/cdk8s-platform/blob/main/docs/runbooks.md')
      .describe('Each alert links to this URL plus #<alert name in lowercase> (runbook_url).'),
    errorRate: z
      .strictObject({
        max: share('KPI: largest acceptable share of 5xx responses (0.001 = 0.1%).', 0.001),
        window: promDuration.default('5m').describe('Range of the rate() window.'),
        for: holdFor('5m'),
      })
      .prefault({}),
    latency: z
      .strictObject({
        p95Seconds: z.number().positive().default(0.5).describe('KPI: largest acceptable p95 response time.'),
        window: promDuration.default('5m').describe('Range of the rate() window.'),
        for: holdFor('10m'),
      })
      .prefault({}),
    serviceDown: z
      .strictObject({ for: holdFor('5m') })
      .prefault({})
      .describe('No target of a web service is up.'),
    crashLooping: z
      .strictObject({
        restarts: z.number().int().min(1).default(3).describe('More container restarts than this within `window` is crash-looping.'),
        window: promDuration.default('15m'),
        for: holdFor('5m'),
      })
      .prefault({}),
    podNotReady: z.strictObject({ for: holdFor('15m') }).prefault({}),
    hpaMaxedOut: z
      .strictObject({ for: holdFor('15m') })
      .prefault({})
      .describe('An HPA runs at its maxReplicas.'),
    volumeUsage: z.strictObject({ max: share('Largest acceptable used share of a PersistentVolumeClaim.', 0.8), for: holdFor('5m') }).prefault({}),
    exporterDown: z
      .strictObject({ for: holdFor('5m') })
      .prefault({})
      .describe('A datastore exporter cannot be scraped or cannot reach its datastore.'),
    postgresConnections: z.strictObject({ max: share('Largest acceptable share of max_connections in use on a PostgreSQL server.', 0.8), for: holdFor('5m') }).prefault({}),
    postgresReplicationLag: z
      .strictObject({
        maxSeconds: z.number().positive().default(60).describe('A read replica further behind the primary than this (seconds of WAL not replayed) alerts.'),
        for: holdFor('5m'),
      })
      .prefault({}),
    logs: z
      .strictObject({
        shipperDown: z
          .strictObject({ for: holdFor('10m') })
          .prefault({})
          .describe("A node's log shipper pod is not ready, or Prometheus cannot scrape it: that node's logs are not shipped."),
        pushFailures: z
          .strictObject({
            max: share('Largest acceptable share of pushes to Loki that fail (any answer but 2xx, or no answer; they are retried, then dropped).', 0.05),
            window: promDuration.default('10m').describe('Range of the rate() window.'),
            for: holdFor('15m'),
          })
          .prefault({}),
        droppedLogs: z
          .strictObject({ window: promDuration.default('10m').describe('Any entry dropped within this window alerts (a dropped entry is lost).'), for: holdFor('0m') })
          .prefault({})
          .describe(
            "The shipper dropped log entries after its retries, Loki discarded pushed entries (rate limits, too old, too long), or Loki's distributor failed appends to its ingester.",
          ),
        lokiDown: z
          .strictObject({ for: holdFor('5m') })
          .prefault({})
          .describe('Prometheus scrapes no Loki target: no logs are stored.'),
        lokiRequestErrors: z
          .strictObject({
            max: share("Largest acceptable share of Loki's requests answered 5xx, per route (push and queries).", 0.05),
            window: promDuration.default('5m').describe('Range of the rate() window.'),
            for: holdFor('15m'),
          })
          .prefault({}),
        lokiDiskFull: z
          .strictObject({
            withinHours: z
              .number()
              .int()
              .min(1)
              .max(720)
              .default(96)
              .describe("Alert when Loki's volume, more than half used, is predicted full within this many hours (linear trend over the last 6 hours)."),
            for: holdFor('1h'),
          })
          .prefault({}),
      })
      .prefault({})
      .describe('Alerts on the logging stack itself (with logs.enabled), in the PrometheusRule of the logging namespace (60-logging.yaml).'),
  })
  .describe('Alert rules of the environment; thresholds default to the KPIs (error rate < 0.1%, p95 < 500 ms).');

const SEVERITIES = ['critical', 'warning', 'info'] as const;

const receiverSchema = z
  .strictObject({
    severities: z.array(z.enum(SEVERITIES)).min(1).default(['critical', 'warning']).describe('Alerts of these severities are sent to this receiver.'),
    sendResolved: z.boolean().default(true).describe('Also notify when an alert resolves.'),
    slack: z
      .strictObject({
        apiUrl: secretKeyRefSchema.describe('Secret key holding the Slack incoming-webhook URL.'),
        channel: z.string().min(1).optional().describe('Channel, e.g. "#webapp-alerts"; default: the webhook\'s.'),
      })
      .optional(),
    email: z
      .strictObject({
        to: z.string().min(1).describe('Recipient address(es), comma-separated.'),
        from: z.string().min(1),
        smarthost: z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, { error: 'must be host:port, e.g. "smtp.example.com:587"' }),
        authUsername: z.string().min(1).optional(),
        authPassword: secretKeyRefSchema.optional().describe('Secret key holding the SMTP password.'),
        requireTls: z.boolean().default(true),
      })
      .refine((e) => !e.authUsername === !e.authPassword, { error: 'set authUsername and authPassword together', path: ['authPassword'] })
      .optional(),
    pagerduty: z.strictObject({ routingKey: secretKeyRefSchema.describe('Secret key holding the PagerDuty Events API v2 integration key.') }).optional(),
    webhook: z.strictObject({ url: secretKeyRefSchema.describe('Secret key holding the webhook URL (URLs often embed a token).') }).optional(),
  })
  .refine((r) => r.slack || r.email || r.pagerduty || r.webhook, { error: 'a receiver needs at least one of slack, email, pagerduty or webhook' })
  .describe('Where alerts are sent; URLs and keys come only from Secrets in the environment namespace.');
export type ReceiverConfig = z.infer<typeof receiverSchema>;

const grafanaSchema = z
  .strictObject({
    dashboards: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Ship the dashboards as ConfigMaps for the Grafana sidecar.'),
        label: labelKey.default('grafana_dashboard').describe('Label the sidecar watches (kube-prometheus-stack: grafana.sidecar.dashboards.label).'),
        labelValue: labelValue.default('1').describe('grafana.sidecar.dashboards.labelValue.'),
      })
      .prefault({}),
    datasources: z
      .strictObject({
        label: labelKey.default('grafana_datasource').describe('grafana.sidecar.datasources.label: marks the Loki datasource ConfigMap.'),
        labelValue: labelValue.default('1'),
      })
      .prefault({}),
  })
  .describe('Grafana picks dashboards and datasources up from labelled ConfigMaps (sidecar).');

/** The log shippers: Grafana Alloy (maintained) and Promtail (end of life since 2 March 2026). */
const LOG_SHIPPERS = ['alloy', 'promtail'] as const;
/** How Alloy reads pod logs: through the Kubernetes API (no host access) or from the node's log files. */
export const ALLOY_MODES = ['api', 'file'] as const;

const isoDay = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { error: 'must be a day as YYYY-MM-DD' })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { error: 'is not a calendar day' });

const logsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Loki and a log shipper DaemonSet, in their own namespace.'),
    namespace: dnsLabel
      .optional()
      .describe(
        'Namespace of Loki and the shipper; default <namespace>-logging. It enforces the "restricted" Pod Security profile, or "privileged" when the shipper reads host paths (Promtail, Alloy in file mode), so it is kept apart.',
      ),
    shipper: z
      .enum(LOG_SHIPPERS)
      .default('alloy')
      .describe(
        'Agent that ships pod logs to Loki: alloy (Grafana Alloy, maintained; the default) or promtail (end of life since 2 March 2026: no fixes, not even for security; kept for clusters that have not migrated).',
      ),
    alloy: z
      .strictObject({
        mode: z
          .enum(ALLOY_MODES)
          .default('api')
          .describe(
            'api: tail logs through the Kubernetes API (discovery.kubernetes + loki.source.kubernetes): no host access, runs non-root under "restricted", costs API server and kubelet load per container. file: read /var/log/pods on the node (loki.source.file): least load, but root and hostPath, so the logging namespace must admit "privileged".',
          ),
        image: imageSchema.prefault({ registry: 'docker.io', repository: 'grafana/alloy', tag: 'v1.18.1' }),
        resources: resourcesSchema.prefault({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
      })
      .prefault({})
      .describe('Grafana Alloy DaemonSet (logs.shipper: alloy).'),
    loki: z
      .strictObject({
        image: imageSchema.prefault({ registry: 'docker.io', repository: 'grafana/loki', tag: '3.7.6' }),
        retentionPeriod: z
          .string()
          .regex(/^[0-9]+(h|d)$/, { error: 'must be a duration in hours or days such as "720h" or "30d"' })
          .refine((d) => (d.endsWith('d') ? true : Number(d.slice(0, -1)) % 24 === 0), { error: "must be whole days (Loki's index period is 24h)" })
          .default('720h')
          .describe('How long logs are kept; the compactor deletes older ones.'),
        schemaV13From: isoDay
          .default('2026-12-14')
          .describe(
            'First day (UTC) Loki writes with the TSDB v13 schema; logs before it stay in the v12 schema this project used from 2024-01-01 (Loki 2.8). It must be a day after the upgrade of an existing Loki: if you upgrade later than the default, set a later day. A new Loki may use any day.',
          ),
        ingestionRateMb: z
          .number()
          .positive()
          .max(1024)
          .default(8)
          .describe('limits_config.ingestion_rate_mb: log volume Loki accepts per second, in MB (bursts up to twice that).'),
        maxStreams: z.number().int().min(100).default(10000).describe('limits_config.max_global_streams_per_user: active streams (label sets) Loki accepts.'),
        storage: datastoreStorageSchema('10Gi'),
        resources: resourcesSchema.prefault({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '1Gi' } }),
        // The grafana/loki image's loki user.
        securityContext: securityContextSchema.prefault({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 }),
      })
      .prefault({})
      .describe('Loki 3, single binary, filesystem storage on a PVC.'),
    promtail: z
      .strictObject({
        image: imageSchema.prefault({ registry: 'docker.io', repository: 'grafana/promtail', tag: '3.6.11' }),
        resources: resourcesSchema.prefault({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }),
      })
      .prefault({})
      .describe('Promtail DaemonSet (logs.shipper: promtail). 3.6.11 is its last release.'),
  })
  .describe('Pod logs: Loki plus a shipper on every node, and a Grafana datasource for Loki.');
export type LogsConfig = z.infer<typeof logsSchema>;
export type AlloyMode = (typeof ALLOY_MODES)[number];

/** The log shipper reads the node's log files (hostPath, root): its namespace must admit "privileged". */
export function shipperReadsHost(logs: Pick<LogsConfig, 'shipper' | 'alloy'>): boolean {
  return logs.shipper === 'promtail' || logs.alloy.mode === 'file';
}

// ---------------------------------------------------------------------------
// The default application: the reference deployment's backend and frontend.
// ---------------------------------------------------------------------------

const defaultServices = {
  backend: {
    component: 'backend',
    image: { registry: 'ghcr.io', repository: 'example/webapp-backend', tag: '1.0.0' },
    port: 5000,
    env: { NODE_ENV: 'production' },
    uses: ['mongodb', 'redis'],
    ingress: { paths: [{ path: '/api' }] },
    resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '512Mi' } },
    probes: {
      liveness: { path: '/health', periodSeconds: 30, timeoutSeconds: 5 },
      readiness: { path: '/health', periodSeconds: 10, timeoutSeconds: 3 },
      startup: { path: '/health', periodSeconds: 5, failureThreshold: 30 },
    },
    // The official node image's "node" user.
    securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    volumes: { uploads: { size: '50Gi', accessMode: 'ReadWriteMany', mountPath: '/app/uploads' } },
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 10 },
  },
  frontend: {
    component: 'frontend',
    image: { registry: 'ghcr.io', repository: 'example/webapp-frontend', tag: '1.0.0' },
    // An unprivileged nginx (e.g. nginxinc/nginx-unprivileged) listens on 8080 as UID 101.
    port: 8080,
    ingress: { paths: [{ path: '/' }] },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    probes: {
      liveness: { path: '/', periodSeconds: 30, timeoutSeconds: 5 },
      readiness: { path: '/', periodSeconds: 10, timeoutSeconds: 3 },
      startup: { enabled: false },
    },
    metrics: { enabled: false },
    securityContext: { runAsUser: 101, runAsGroup: 101, fsGroup: 101 },
    // nginx writes its temp files, cache and pid file.
    writablePaths: ['/tmp', '/var/cache/nginx', '/var/run'],
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8 },
  },
} satisfies Record<string, z.input<typeof webServiceSchema>>;

// ---------------------------------------------------------------------------
// Argo CD (the repository, project and cluster are global: config/gitops.yaml)
// ---------------------------------------------------------------------------

/** A branch, tag or commit, as Argo CD's targetRevision takes it. */
export const gitRevision = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { error: 'must be a branch, tag or commit such as "main", "v1.4.2" or "HEAD"' });

const argocdSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Generate an Argo CD Application for this environment (dist/argocd/).'),
    autoSync: z.boolean().optional().describe('Sync automatically, with prune and selfHeal; default: true, except for tier prod (manual sync).'),
    targetRevision: gitRevision.optional().describe('Git revision the Application tracks; default: targetRevision of config/gitops.yaml.'),
    wave: z
      .number()
      .int()
      .min(0)
      .max(99)
      .optional()
      .describe(
        'Rollout wave: environments of a lower wave are delivered first (the Application sync wave 10 + wave in dist/argocd/, one RollingSync step per wave with gitops.yaml progressiveSync); default: dev 0, staging 1, prod 2.',
      ),
  })
  .describe('How Argo CD delivers this environment.');

/** A cluster name as Argo CD registers it (argocd cluster add --name): any string without spaces, e.g. "prod-eu" or an EKS ARN. */
const clusterName = z.string().regex(/^\S{1,253}$/, { error: 'must be the name of a cluster registered in Argo CD, without spaces (e.g. "prod-eu-west")' });

const clusterSchema = z
  .strictObject({
    name: clusterName.optional().describe('The destination cluster by the name it is registered under in Argo CD; or server.'),
    server: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('The destination cluster by its API server URL; default (neither name nor server): server of config/gitops.yaml.'),
    region: labelValue
      .optional()
      .describe('Region the cluster runs in, e.g. "eu-west-1": the cdk8s-platform/region label of the Argo CD Application (select or roll out by region).'),
  })
  .refine((cluster) => cluster.name === undefined || cluster.server === undefined, {
    error: 'set cluster.name or cluster.server, not both: Argo CD rejects a destination with both',
    path: ['server'],
  })
  .describe(
    'Where Argo CD deploys this environment. Environments on different clusters may share a namespace and a host (a global host every region serves); dist/<env>/ does not depend on it.',
  );

// ---------------------------------------------------------------------------
// The whole environment.
// ---------------------------------------------------------------------------

export const TIERS = ['dev', 'staging', 'prod'] as const;

/** The datastore section an entry of `uses` connects to ("postgres-read" -> "postgres"). */
function datastoreOf(use: (typeof DATASTORE_USES)[number]): 'mongodb' | 'redis' | 'postgres' {
  return use === 'postgres-read' ? 'postgres' : use;
}

export const configSchema = z
  .strictObject({
    tier: z
      .enum(TIERS)
      .default('prod')
      .describe(
        'Required in every environment file: what kind of environment this is (an empty file or one without tier is an error); dev relaxes production rules (e.g. allows the "latest" tag).',
      ),
    extends: dnsLabel
      .optional()
      .describe(
        'Another environment this file is an overlay on (its file in the same folder, which may extend another in turn): everything it sets applies unless this file says otherwise. Only in environment files, not in config/app.yaml.',
      ),
    namespace: dnsLabel.optional().describe('Namespace of the environment; default <app.name>-<environment>.'),
    app: z
      .strictObject({
        name: dnsLabel.default('webapp').describe('app.kubernetes.io/part-of on every object.'),
        version: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)
          .default('1.0.0')
          .describe('Release version of the stack (app.kubernetes.io/version of shared objects).'),
      })
      .prefault({}),
    imagePullSecrets: z.array(dnsSubdomain).default([]).describe('Pull secrets added to every workload.'),
    services: z.record(serviceName, webServiceSchema).prefault(defaultServices).describe('Web services, by name.'),
    workers: z.record(dnsLabel, workerSchema).default({}).describe('Background workers, by name.'),
    mongodb: mongodbSchema.prefault({}),
    redis: redisSchema.prefault({}),
    postgres: postgresSchema.prefault({}),
    backup: backupSchema.prefault({}),
    ingress: ingressSchema.prefault({}),
    routing: routingSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    network: networkSchema.prefault({}),
    argocd: argocdSchema.prefault({}),
    cluster: clusterSchema.prefault({}),
    monitoring: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Emit Prometheus Operator objects (needs its CRDs in the cluster).'),
        serviceMonitorLabels: z
          .record(labelKey, labelValue)
          .default({ release: 'kube-prometheus-stack' })
          .describe("Labels the cluster's Prometheus selects ServiceMonitors and PrometheusRules by (kube-prometheus-stack: release=<its release name>)."),
        scrapeInterval: z
          .string()
          .regex(/^[0-9]+(ms|s|m)$/, { error: 'must be a duration such as "15s"' })
          .default('15s'),
        alerts: alertsSchema.prefault({}),
        receivers: z
          .record(dnsLabel, receiverSchema)
          .default({})
          .refine((r) => !('null' in r), { error: 'the receiver name "null" is reserved (it takes what no receiver wants)' })
          .describe("Alertmanager receivers by name; when any is set, an AlertmanagerConfig routes the environment's alerts to them."),
        route: z
          .strictObject({
            groupBy: z.array(z.string().min(1)).default(['alertname', 'namespace', 'service']),
            groupWait: promDuration.default('30s'),
            groupInterval: promDuration.default('5m'),
            repeatInterval: promDuration.default('4h'),
          })
          .prefault({})
          .describe('Grouping and timing of notifications (Alertmanager route).'),
        grafana: grafanaSchema.prefault({}),
      })
      .prefault({}),
    logs: logsSchema.prefault({}),
    traces: tracesSchema,
  })
  .superRefine((config, ctx) => {
    const workloads: [string, string, WorkloadConfig][] = [
      ...Object.entries(config.services).map(([n, s]) => ['services', n, s] as [string, string, WorkloadConfig]),
      ...Object.entries(config.workers).map(([n, w]) => ['workers', n, w] as [string, string, WorkloadConfig]),
    ];
    // Every image tag that would run, with its key path: outside dev none may be "latest".
    const tags: [PropertyKey[], string | undefined][] = [
      ...workloads.map(([section, name, w]): [PropertyKey[], string] => [[section, name, 'image', 'tag'], w.image.tag]),
      ...(['mongodb', 'redis', 'postgres'] as const).flatMap((store): [PropertyKey[], string][] => [
        [[store, 'image', 'tag'], config[store].image.tag],
        [[store, 'metrics', 'image', 'tag'], config[store].metrics.image.tag],
      ]),
      [['logs', 'loki', 'image', 'tag'], config.logs.loki.image.tag],
      [['logs', 'promtail', 'image', 'tag'], config.logs.promtail.image.tag],
      [['logs', 'alloy', 'image', 'tag'], config.logs.alloy.image.tag],
      ...Object.entries(config.services).flatMap(([name, s]): [PropertyKey[], string | undefined][] => [
        [['services', name, 'canary', 'tag'], s.enabled && s.canary.enabled ? s.canary.tag : undefined],
        [['services', name, 'blueGreen', 'idleTag'], s.blueGreen.idleTag],
      ]),
    ];
    if (config.tier !== 'dev') {
      for (const [path, tag] of tags) {
        if (tag === 'latest') {
          ctx.addIssue({ code: 'custom', path, message: `the "latest" tag is not allowed in a ${config.tier} environment: pin a version such as "1.4.2"` });
        }
      }
    }
    // Workload objects are named after the workload, so a workload must not take a name that
    // another object of the environment already has.
    const taken = new Map<string, string>([
      [names.mongodb, 'the MongoDB StatefulSet'],
      [names.mongodbInitJob, 'the MongoDB replica-set init Job'],
      [names.redis, 'the Redis StatefulSet'],
      [names.redisHeadless, 'the Redis headless Service'],
      [names.redisRead, 'the Redis replicas'],
      [names.redisReadHeadless, "the Redis replicas' headless Service"],
      [names.redisSentinel, 'the Redis Sentinels'],
      [names.redisSentinelHeadless, "the Redis Sentinels' headless Service"],
      ...(['mongodb', 'postgres', 'redis'] as const).flatMap((store): [string, string][] => [
        [names.backup(store), `the backup CronJob of ${store}`],
        [names.backupVolumeJob(store), `the Job that binds the backup claim of ${store}`],
      ]),
      // Only when PostgreSQL runs: an environment may run its own "postgres" workload instead.
      ...(config.postgres.enabled
        ? ([
            [names.postgres, 'the PostgreSQL primary'],
            [names.postgresHeadless, 'the PostgreSQL headless Service'],
            [names.postgresRead, 'the PostgreSQL read replicas'],
            [names.postgresReadHeadless, "the PostgreSQL replicas' headless Service"],
          ] as [string, string][])
        : []),
    ]);
    for (const name of Object.keys(config.services)) {
      for (const track of RELEASE_TRACKS) taken.set(names.track(name, track), `the ${track} track of service "${name}"`);
    }
    for (const [section, name] of workloads) {
      const owner = taken.get(name);
      if (owner) ctx.addIssue({ code: 'custom', path: [section, name], message: `"${name}" is the name of ${owner}; choose another name` });
    }
    for (const [name, service] of Object.entries(config.services)) {
      if (service.enabled && service.canary.enabled && service.blueGreen.enabled) {
        ctx.addIssue({ code: 'custom', path: ['services', name, 'blueGreen', 'enabled'], message: 'a service releases either by canary or by blue-green, not both at once' });
      }
    }
    for (const [name, service] of Object.entries(config.services)) {
      const canary = service.canary;
      if (!service.enabled || !canary.enabled) continue;
      if (!config.ingress.enabled || service.ingress.paths.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'canary', 'enabled'],
          message: 'a canary is routed by the Ingress: the service needs ingress.paths and ingress.enabled',
        });
      }
    }
    const owners = new Map<string, { service: string; path: string }>();
    for (const [name, service] of Object.entries(config.services)) {
      if (!service.enabled) continue;
      service.ingress.paths.forEach((p, i) => {
        // Paths are unique per host: the same path on two hosts is two routes.
        const other = serviceHostKeys(service.ingress)
          .map((host) => owners.get(`${host ?? ''} ${routeKey(p)}`))
          .find((owner) => owner !== undefined);
        if (other) {
          const same = other.path === p.path ? `path "${p.path}"` : `path "${p.path}" matches the same requests as "${other.path}" (a Prefix path ignores a trailing slash) and`;
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'ingress', 'paths', i, 'path'],
            message: `${same} is already routed to service "${other.service}"; each Ingress path must be unique`,
          });
        }
        for (const host of serviceHostKeys(service.ingress)) owners.set(`${host ?? ''} ${routeKey(p)}`, { service: name, path: p.path });
      });
    }
    for (const name of Object.keys(config.workers)) {
      if (name in config.services) {
        ctx.addIssue({ code: 'custom', path: ['workers', name], message: `"${name}" is already a web service; workload names must be unique` });
      }
    }
    for (const [section, name, workload] of workloads) {
      if (!workload.enabled) continue;
      for (const store of new Set(workload.uses.map(datastoreOf))) {
        if (!config[store].enabled) {
          ctx.addIssue({
            code: 'custom',
            path: [section, name, 'uses'],
            message: `uses "${store}" but ${store}.enabled is false`,
          });
        }
      }
    }
    for (const issue of networkIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of routingIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of deliveryIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of resolveCalls(config).issues) ctx.addIssue({ code: 'custom', ...issue });
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type MongoConfig = Config['mongodb'];
export type RedisConfig = Config['redis'];
export type PostgresConfig = Config['postgres'];
export type IngressConfig = Config['ingress'];
export type MonitoringConfig = Config['monitoring'];
export type ArgoCdEnvironmentConfig = Config['argocd'];
export type ImageConfig = z.infer<typeof imageSchema>;
export type ResourcesConfig = z.infer<typeof resourcesSchema>;
