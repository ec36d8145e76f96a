import type { Config } from './schema.js';
import type { LabelContext } from './labels.js';

/** Everything a chart needs to know about the environment it is synthesized for. */
export interface EnvironmentContext {
  /** Environment name: the config file's base name, e.g. "prod". */
  readonly name: string;
  readonly namespace: string;
  readonly labels: LabelContext;
  readonly config: Config;
}

export function environmentContext(name: string, config: Config): EnvironmentContext {
  const instance = `${config.app.name}-${name}`;
  return {
    name,
    namespace: config.namespace ?? instance,
    labels: { partOf: config.app.name, instance },
    config,
  };
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** Namespace of the environment's logging stack: logs.namespace, default <namespace>-logging. */
export function loggingNamespace(env: EnvironmentContext): string {
  return env.config.logs.namespace ?? `${env.namespace}-logging`;
}
