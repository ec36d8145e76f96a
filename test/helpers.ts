import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import { ConfigError, listEnvironments, loadEnvironment, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { renderEnvironment } from '../charts/render.js';
import type { Manifest, RenderedEnvironment } from '../core/manifest.js';

/** Renders a checked-in environment. */
export function renderCommitted(name: string): RenderedEnvironment {
  return renderEnvironment(name, loadEnvironment(name).config);
}

export const ENVIRONMENTS = listEnvironments();

/** Renders an environment from YAML text (an overlay on the defaults, like a real file). */
export function renderYaml(yamlText: string, name = 'test'): RenderedEnvironment {
  return renderEnvironment(name, configFromYaml(yamlText));
}

/** The config of an environment file with this text; without a tier it is a prod file (see withTier). */
export function configFromYaml(yamlText: string): Config {
  return parseConfig(withTier(yamlText), `${'<test>'}.yaml`);
}

/**
 * Test texts state only what they are about: a block mapping (or an empty file) without a
 * top-level `tier` gets `tier: prod` appended, which keeps the line numbers of the text. Texts
 * with a tier, broken YAML and anything else are returned as they are.
 */
function withTier(yamlText: string): string {
  if (/^tier\s*:/m.test(yamlText)) return yamlText;
  let doc: Document;
  try {
    doc = parseDocument(yamlText, { uniqueKeys: false });
  } catch {
    return yamlText; // pathological YAML, for the loader to reject
  }
  const contents = doc.contents;
  const tierless = contents === null || (isMap(contents) && !contents.flow && !contents.has('tier'));
  if (doc.errors.length > 0 || !tierless) return yamlText;
  return `${yamlText}${yamlText === '' || yamlText.endsWith('\n') ? '' : '\n'}tier: prod\n`;
}

export function objectsOf(env: RenderedEnvironment): Manifest[] {
  return env.files.flatMap((f) => f.objects);
}

export function find(env: RenderedEnvironment, kind: string, name: string): any {
  return objectsOf(env).find((o) => o.kind === kind && (o.metadata as { name: string }).name === name);
}

export function findAll(env: RenderedEnvironment, kind: string): any[] {
  return objectsOf(env).filter((o) => o.kind === kind);
}

/** Every container (init and main) of every pod template, with its owner. */
export function podTemplates(env: RenderedEnvironment): { owner: string; spec: any; metadata: any }[] {
  return objectsOf(env)
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind as string))
    .map((o: any) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec, metadata: o.spec.template.metadata }));
}

/**
 * The problems a parser reports for a text (a ConfigError's list), or [] when it is valid. Without
 * a parser, the text is an environment file, prod unless it states a tier (see withTier).
 */
export function problemsOf(text: string, parse?: (text: string, file: string) => unknown): string[] {
  try {
    if (parse) parse(text, 'env.yaml');
    else parseConfig(withTier(text), 'env.yaml');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** Every file under `dir` with its content, for before/after comparisons. */
export function fileTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}
