import { App } from 'cdk8s';
import { buildEnvironmentCharts } from './stack.js';
import { buildRestoreCharts } from './datastores/restore.js';
import type { Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';
import type { Manifest, RenderedEnvironment } from '../core/manifest.js';

/** Builds the charts of one environment in memory and returns their objects, file by file. */
export function renderEnvironment(name: string, config: Config): RenderedEnvironment {
  // outdir is never written: files are produced by writeEnvironments (atomic, validated).
  const app = new App({ outdir: '.' });
  const context = environmentContext(name, config);
  const charts = buildEnvironmentCharts(app, context);
  const restore = buildRestoreCharts(app, context);
  return {
    name,
    files: charts.map((chart) => ({ name: chart.fileName, objects: chart.toJson() as Manifest[] })),
    ...(restore.length > 0 ? { unlisted: restore.map((chart) => ({ name: chart.fileName, objects: chart.toJson() as Manifest[] })) } : {}),
  };
}
