/**
 * Comparing what a Helm chart renders with the plain manifests it was generated from: the chart
 * tests and the adopter test share it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, any>;

/** Drops what only Helm adds: its labels (helm.sh/chart, managed-by) and hook annotations. */
function withoutHelmMetadata(object: Obj): Obj {
  const copy = structuredClone(object);
  const strip = (metadata: Obj | undefined) => {
    if (!metadata) return;
    delete metadata.labels?.['helm.sh/chart'];
    delete metadata.labels?.['app.kubernetes.io/managed-by'];
    for (const key of Object.keys(metadata.annotations ?? {})) if (key.startsWith('helm.sh/')) delete metadata.annotations[key];
  };
  strip(copy.metadata);
  strip(copy.spec?.template?.metadata);
  // A CronJob's Jobs and their pods.
  strip(copy.spec?.jobTemplate?.metadata);
  strip(copy.spec?.jobTemplate?.spec?.template?.metadata);
  return copy;
}

/** kind/namespace/name of an object. */
export const idOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

function byId(objects: readonly Obj[]): Map<string, Obj> {
  return new Map(objects.map((o) => [idOf(o), withoutHelmMetadata(o)]));
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = (a as Obj)[key];
      const y = (b as Obj)[key];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${path}.${key}`);
    }
  }
  return `${path}: chart ${JSON.stringify(a)?.slice(0, 200)} vs plain ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** The differences between rendered and plain objects, as short messages (empty: the same objects). */
export function chartDifferences(chart: readonly Obj[], plain: readonly Obj[]): string[] {
  const a = byId(chart);
  const b = byId(plain);
  const problems: string[] = [];
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    if (!a.has(id)) problems.push(`missing from the chart: ${id}`);
    else if (!b.has(id)) problems.push(`only in the chart: ${id}`);
    else if (!isDeepStrictEqual(a.get(id), b.get(id))) problems.push(`differs: ${id}: ${firstDifference(a.get(id), b.get(id))}`);
  }
  if (chart.length !== a.size) problems.push(`the chart renders ${chart.length - a.size} duplicate object(s)`);
  return problems;
}

/** The objects of a synthesized environment directory (dist/<env>/), without its kustomization.yaml. */
export function manifestsIn(dir: string): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj));
}
