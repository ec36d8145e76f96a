import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { buildEnvironmentCharts } from '../charts/stack.js';
import type { Config } from '../config/schema.js';
import { environmentContext } from './context.js';

export type Manifest = Record<string, unknown>;

/** One file of dist/<env>/: the objects of one chart. */
export interface RenderedFile {
  readonly name: string;
  readonly objects: Manifest[];
}

export interface RenderedEnvironment {
  readonly name: string;
  readonly files: RenderedFile[];
}

/** Builds the charts of one environment in memory and returns their objects, file by file. */
export function renderEnvironment(name: string, config: Config): RenderedEnvironment {
  // outdir is never written: files are produced by writeEnvironments (atomic, validated).
  const app = new App({ outdir: '.' });
  const charts = buildEnvironmentCharts(app, environmentContext(name, config));
  return { name, files: charts.map((chart) => ({ name: chart.fileName, objects: chart.toJson() as Manifest[] })) };
}

/** Multi-document YAML, deterministic: same objects, same bytes. */
export function toYaml(objects: readonly Manifest[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, minContentWidth: 0 })).join('---\n');
}
