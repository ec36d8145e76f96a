import { ApiObject, App, Chart } from 'cdk8s';
import type { GitOpsConfig } from '../config/gitops.js';
import type { Config } from '../config/schema.js';
import { AppProject, Application } from '../imports/argoproj.io.js';
import { annotateForArgoCd } from '../charts/argocd-annotations.js';
import { applicationSet, applicationTarget, appProject, environmentApplication, ROOT_APPLICATION_FILE, rootApplication } from './argocd.js';
import type { OutputDirectory } from '../core/output.js';
import type { Manifest, RenderedFile } from '../core/manifest.js';

/** Synced by the root Application: the AppProject and one Application per environment. */
export const ARGOCD_DIRECTORY = 'argocd';
/** The alternative to the root Application: the AppProject and an ApplicationSet. */
export const APPLICATIONSET_DIRECTORY = 'argocd-applicationset';

export interface DeliveredEnvironment {
  readonly name: string;
  readonly config: Config;
  /** Its rendered objects: the AppProject allows exactly their kinds. */
  readonly objects: readonly Manifest[];
}

/**
 * dist/argocd/ and dist/argocd-applicationset/ for the environments with `argocd.enabled`.
 * They are separate directories so that the root Application, which syncs dist/argocd/ without
 * recursing, never sees the ApplicationSet: both would own the same Applications.
 */
export function renderArgoCd(gitops: GitOpsConfig, environments: readonly DeliveredEnvironment[]): OutputDirectory[] {
  const members = environments.filter((e) => e.config.argocd.enabled).map((e) => ({ target: applicationTarget(gitops, e.name, e.config), objects: e.objects }));
  const targets = members.map((m) => m.target);
  const project = appProject(gitops, members);

  const app = new App({ outdir: '.' });
  const file = (directory: string, name: string, build: (chart: Chart) => void, syncWave?: number): RenderedFile => {
    const chart = new Chart(app, `${directory}-${name}`, { disableResourceNameHashes: true });
    build(chart);
    if (syncWave !== undefined) annotateForArgoCd(chart, syncWave);
    return { name, objects: chart.toJson() as Manifest[] };
  };

  const source = 'config/gitops.yaml and config/environments/';
  return [
    {
      name: ARGOCD_DIRECTORY,
      source,
      files: [
        file(ARGOCD_DIRECTORY, '00-project.yaml', (c) => new AppProject(c, 'project', project), 0),
        ...targets.map((target) =>
          // Sync wave 10 + the rollout wave: the root app applies lower waves first (docs/gitops.md#rollout-order-across-regions).
          file(ARGOCD_DIRECTORY, `10-application-${target.environment}.yaml`, (c) => new Application(c, 'application', environmentApplication(gitops, target)), 10 + target.wave),
        ),
        file(ARGOCD_DIRECTORY, ROOT_APPLICATION_FILE, (c) => new Application(c, 'root', rootApplication(gitops))),
      ],
    },
    {
      name: APPLICATIONSET_DIRECTORY,
      source,
      files: [
        file(APPLICATIONSET_DIRECTORY, '00-project.yaml', (c) => new AppProject(c, 'project', project)),
        file(APPLICATIONSET_DIRECTORY, '10-applicationset.yaml', (c) => new ApiObject(c, 'applicationset', applicationSet(gitops, targets))),
      ],
    },
  ];
}
