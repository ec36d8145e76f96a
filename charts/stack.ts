import type { Construct } from 'constructs';
import { annotateForArgoCd } from './argocd-annotations.js';
import { BackupChart } from './datastores/backup.js';
import type { EnvironmentContext } from '../config/context.js';
import type { EnvironmentChart } from './environment-chart.js';
import { GatewayRoutesChart } from './routing/http-route.js';
import { IngressChart } from './routing/ingress.js';
import { MongoDbChart } from './datastores/mongodb.js';
import { NamespaceChart } from './security/namespace.js';
import { NetworkPolicyChart } from './security/network-policies.js';
import { LoggingChart } from './observability/logging-chart.js';
import { MonitoringChart } from './observability/monitoring-chart.js';
import { PostgresChart } from './datastores/postgres.js';
import { RedisChart } from './datastores/redis.js';
import { WebServiceChart } from './workloads/web-service.js';
import { WorkerChart } from './workloads/worker.js';

/** Every chart of one environment, in file order. */
export function buildEnvironmentCharts(scope: Construct, env: EnvironmentContext): EnvironmentChart[] {
  const { config } = env;
  const charts: EnvironmentChart[] = [new NamespaceChart(scope, env)];
  if (config.mongodb.enabled) charts.push(new MongoDbChart(scope, env));
  if (config.redis.enabled) charts.push(new RedisChart(scope, env));
  if (config.postgres.enabled) charts.push(new PostgresChart(scope, env));
  for (const [name, service] of Object.entries(config.services)) {
    if (service.enabled) charts.push(new WebServiceChart(scope, env, { name, service }));
  }
  for (const [name, worker] of Object.entries(config.workers)) {
    if (worker.enabled) charts.push(new WorkerChart(scope, env, { name, worker }));
  }
  if (IngressChart.needed(env)) charts.push(new IngressChart(scope, env));
  if (GatewayRoutesChart.needed(env)) charts.push(new GatewayRoutesChart(scope, env));
  if (MonitoringChart.needed(env)) charts.push(new MonitoringChart(scope, env));
  if (LoggingChart.needed(env)) charts.push(new LoggingChart(scope, env));
  if (BackupChart.needed(env)) charts.push(new BackupChart(scope, env));
  // Complete every chart (annotations included) before the NetworkPolicies read their objects:
  // a chart's JSON is then computed once and kept (EnvironmentChart.toJson).
  for (const chart of charts) annotateForArgoCd(chart, chart.order);
  if (NetworkPolicyChart.needed(env)) {
    const policies = new NetworkPolicyChart(scope, env, [...charts]);
    annotateForArgoCd(policies, policies.order);
    charts.push(policies);
  }
  return charts.sort((a, b) => a.fileName.localeCompare(b.fileName));
}
