import type { Config } from '../config/schema.js';
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

/**
 * Names derived from the environment name, which the schema cannot see: each must still be a
 * DNS-1123 label (at most 63 characters). Returned as config problems, with the key to set.
 */
export function derivedNameProblems(name: string, config: Config): string[] {
  const env = environmentContext(name, config);
  const problems: string[] = [];
  if (env.namespace.length > 63) {
    problems.push(`namespace: the default namespace "${env.namespace}" (<app.name>-<environment>) is longer than 63 characters; set a shorter namespace`);
  } else if (config.logs.enabled && loggingNamespace(env).length > 63) {
    problems.push(`logs.namespace: the default logging namespace "${loggingNamespace(env)}" (<namespace>-logging) is longer than 63 characters; set logs.namespace or a shorter namespace`);
  }
  return problems;
}
