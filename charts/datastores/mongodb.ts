import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { MongoConfig } from '../../config/schema.js';
import { secretEnv } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { imageReference, pullSecrets } from '../workloads/image.js';
import { MONGODB_PORT, names, statefulSetPodHosts } from '../../config/names.js';
import { resourceRequirements } from '../workloads/resources.js';
import { containerSecurityContext, podSecurityContext } from '../workloads/security.js';
import { Datastore, datastoreService } from './datastore.js';
import { disruptionBudget } from '../workloads/disruption-budget.js';
import { EnvironmentChart } from '../environment-chart.js';
import { exporterMonitor, MONGODB_EXPORTER_PORT, mongodbExporter } from '../observability/exporters.js';

const KEYFILE_DIR = '/etc/mongodb/keyfile';

/**
 * MongoDB from the official image (docker.io/library/mongo), run as its "mongodb" user (UID 999)
 * on a read-only root filesystem; it writes only /data/db (the claim), /data/configdb and /tmp.
 *
 * Replica set mode follows what well-kept charts do: every member starts with --replSet and a
 * shared keyfile, only member 0 creates the root user on first start (the image's entrypoint
 * creates it without --replSet, https://github.com/docker-library/mongo/issues/211; members that
 * also did would hold data and could not join), and an idempotent Job initiates the set.
 */
export class MongoDbChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'mongodb', env, 20);
    const mongo = env.config.mongodb;
    const rs = mongo.replicaSet;
    const rootCredentials = [
      secretEnv('MONGO_INITDB_ROOT_USERNAME', mongo.auth.existingSecret, mongo.auth.usernameKey),
      secretEnv('MONGO_INITDB_ROOT_PASSWORD', mongo.auth.existingSecret, mongo.auth.passwordKey),
    ];
    const mongod = ['mongod', '--bind_ip_all', '--port', String(MONGODB_PORT)];

    const store = new Datastore(this, 'mongodb', {
      name: names.mongodb,
      component: 'database',
      env,
      image: mongo.image,
      resources: mongo.resources,
      identity: mongo.securityContext,
      replicas: rs.enabled ? rs.members : 1,
      serviceName: names.mongodb,
      storage: mongo.storage,
      dataPath: '/data/db',
      container: {
        ...(rs.enabled
          ? {
              command: ['bash', '-c'],
              args: [
                [
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for bash -c
                  'if [ "${HOSTNAME##*-}" != "0" ]; then unset MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD; fi',
                  `exec docker-entrypoint.sh ${[...mongod, '--replSet', rs.name, '--keyFile', `${KEYFILE_DIR}/keyfile`].join(' ')}`,
                ].join('\n'),
              ],
            }
          : { args: mongod }),
        ports: [{ name: 'mongodb', containerPort: MONGODB_PORT, protocol: 'TCP' }],
        env: rootCredentials,
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(MONGODB_PORT) }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        readinessProbe: {
          exec: { command: ['mongosh', '--quiet', '--eval', "db.adminCommand('ping')"] },
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        },
        // Journal recovery after an unclean stop can take minutes; don't let liveness kill it.
        startupProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(MONGODB_PORT) }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'configdb', mountPath: '/data/configdb' }, ...(rs.enabled ? [{ name: 'keyfile', mountPath: KEYFILE_DIR }] : [])],
      },
      // mongod refuses a keyfile readable by others, and Secret volumes are owned by root, so the
      // key is copied into an emptyDir owned by the mongodb user with mode 0400.
      initContainers: rs.enabled
        ? [
            {
              name: 'keyfile',
              command: ['sh', '-c', `cp /keyfile-secret/${rs.keyFile.key} ${KEYFILE_DIR}/keyfile && chmod 0400 ${KEYFILE_DIR}/keyfile`],
              volumeMounts: [
                { name: 'keyfile-secret', mountPath: '/keyfile-secret', readOnly: true },
                { name: 'keyfile', mountPath: KEYFILE_DIR },
              ],
            },
          ]
        : undefined,
      volumes: [
        { name: 'tmp', emptyDir: {} },
        { name: 'configdb', emptyDir: {} },
        ...(rs.enabled
          ? [
              { name: 'keyfile', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'keyfile-secret', secret: { secretName: rs.keyFile.existingSecret, defaultMode: 0o400 } },
            ]
          : []),
      ],
      sidecars: mongo.metrics.enabled ? [mongodbExporter(mongo)] : [],
      // Members on one node or in one zone would fail together.
      topologySpread: rs.enabled,
    });
    disruptionBudget(this, 'disruption-budget', { name: names.mongodb, labels: store.labels, selector: store.selector, replicas: rs.enabled ? rs.members : 1, quorum: true });

    datastoreService(this, 'service', {
      name: names.mongodb,
      labels: store.labels,
      selector: store.selector,
      port: MONGODB_PORT,
      portName: 'mongodb',
      headless: true,
      metricsPort: mongo.metrics.enabled ? MONGODB_EXPORTER_PORT : undefined,
    });
    if (mongo.metrics.enabled) exporterMonitor(this, env, { name: names.mongodb, labels: store.labels, selector: store.selector });

    if (rs.enabled) {
      this.replicaSetInitJob(mongo, store.labels);
    }
  }

  /** Runs rs.initiate() once member 0 answers; does nothing when the set already exists. */
  private replicaSetInitJob(mongo: MongoConfig, labels: Record<string, string>): void {
    const rs = mongo.replicaSet;
    const hosts = statefulSetPodHosts(names.mongodb, names.mongodb, this.env.namespace, rs.members);
    const members = hosts.map((host, i) => ({ _id: i, host: `${host}:${MONGODB_PORT}` }));
    const script = [
      `until mongosh --quiet --host ${hosts[0]} --eval "db.adminCommand('ping')" >/dev/null 2>&1; do echo waiting for ${hosts[0]}; sleep 5; done`,
      `mongosh --quiet --host ${hosts[0]} -u "$MONGO_USERNAME" -p "$MONGO_PASSWORD" --authenticationDatabase admin --eval '` +
        `try { rs.status(); print("replica set ${rs.name} already initiated"); } ` +
        `catch (e) { if (e.codeName !== "NotYetInitialized") throw e; ` +
        `rs.initiate(${JSON.stringify({ _id: rs.name, members })}); print("replica set ${rs.name} initiated"); }'`,
    ].join('\n');

    // A name of its own: the StatefulSet's selector, and so its PodDisruptionBudget and
    // NetworkPolicy, must not match the Job's pods.
    const jobLabels = { ...labels, 'app.kubernetes.io/name': names.mongodbInitJob, 'app.kubernetes.io/component': 'database-init' };
    new k8s.KubeJob(this, 'replica-set-init', {
      metadata: { name: names.mongodbInitJob, labels: jobLabels },
      spec: {
        backoffLimit: 20,
        template: {
          metadata: { labels: jobLabels },
          spec: {
            restartPolicy: 'OnFailure',
            serviceAccountName: names.mongodb,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(mongo.securityContext),
            imagePullSecrets: pullSecrets(this.env.config.imagePullSecrets, []),
            containers: [
              {
                name: 'replica-set-init',
                image: imageReference(mongo.image),
                imagePullPolicy: mongo.image.pullPolicy,
                command: ['bash', '-c', script],
                env: [
                  secretEnv('MONGO_USERNAME', mongo.auth.existingSecret, mongo.auth.usernameKey),
                  secretEnv('MONGO_PASSWORD', mongo.auth.existingSecret, mongo.auth.passwordKey),
                  // mongosh keeps its history under $HOME; the root filesystem is read-only.
                  { name: 'HOME', value: '/tmp' },
                ],
                resources: resourceRequirements({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });
  }
}
