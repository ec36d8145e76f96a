/**
 * The reference environments: dev, staging and prod as this project ships them (the README's
 * numbers), kept here as test fixtures. Tests of what the code makes of a known config render
 * these, not config/environments/, which adopters edit: adding a service or changing prod's
 * numbers there must not break a test. Tests of the committed config iterate over ENVIRONMENTS.
 */
import { fileURLToPath } from 'node:url';
import { loadEnvironment } from '../../config/load.js';
import { renderEnvironment } from '../../charts/render.js';
import type { RenderedEnvironment } from '../../core/manifest.js';

export type ReferenceEnvironment = 'dev' | 'staging' | 'prod';

/** A config directory holding dev.yaml, staging.yaml and prod.yaml. */
export const REFERENCE_CONFIG_DIR = fileURLToPath(new URL('./reference/', import.meta.url));

const rendered = new Map<ReferenceEnvironment, RenderedEnvironment>();

/** Renders a reference environment (once per process: tests only read the result). */
export function renderReference(name: ReferenceEnvironment): RenderedEnvironment {
  if (!rendered.has(name)) rendered.set(name, renderEnvironment(name, loadEnvironment(name, REFERENCE_CONFIG_DIR).config));
  return rendered.get(name)!;
}

/** The loaded config of a reference environment. */
export const referenceConfig = (name: ReferenceEnvironment) => loadEnvironment(name, REFERENCE_CONFIG_DIR).config;
