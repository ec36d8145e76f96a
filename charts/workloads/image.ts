import type { ImageConfig } from '../../config/schema.js';

/** registry/repository:tag, or registry/repository:tag@digest when pinned. */
export function imageReference(image: ImageConfig): string {
  const base = `${image.registry}/${image.repository}:${image.tag}`;
  return image.digest ? `${base}@${image.digest}` : base;
}

/** Global pull secrets first, then the workload's own, without duplicates. */
export function pullSecrets(global: readonly string[], own: readonly string[]): { name: string }[] | undefined {
  const names = [...new Set([...global, ...own])];
  return names.length ? names.map((name) => ({ name })) : undefined;
}
