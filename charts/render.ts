import { App } from 'cdk8s';
import { buildEnvironmentCharts } from './stack.js';
import type { Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';

export type Manifest = Record<string, unknown>;

/** One file of dist/<env>/: the objects of one chart. */
export interface RenderedFile {
  readonly name: string;
  readonly objects: Manifest[];
}

export interface RenderedEnvironment {
  readonly name: string;
  readonly files: RenderedFile[];
  /** The config file it was rendered from, as generated files name it; default config/environments/<name>.yaml. */
  readonly source?: string;
}

/** Builds the charts of one environment in memory and returns their objects, file by file. */
export function renderEnvironment(name: string, config: Config): RenderedEnvironment {
  // outdir is never written: files are produced by writeEnvironments (atomic, validated).
  const app = new App({ outdir: '.' });
  const charts = buildEnvironmentCharts(app, environmentContext(name, config));
  return { name, files: charts.map((chart) => ({ name: chart.fileName, objects: chart.toJson() as Manifest[] })) };
}

export { toYaml } from '../core/yaml.js';
