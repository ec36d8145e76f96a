import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * JSON Schema of an environment file. Environment files are overlays on the defaults, so no key
 * is ever required in them (a new service's `image` is required after merging, which the loader
 * checks); `required` lists are therefore dropped, while unknown keys stay forbidden.
 */
export function environmentFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...(withoutRequired(schema) as Record<string, unknown>),
    title: 'cdk8s-platform environment',
    description: 'One environment of the web stack (config/environments/<env>.yaml). Generated from config/schema.ts by `npm run schema`.',
  };
}

function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => key !== 'required')
        .map(([key, value]) => [key, withoutRequired(value)]),
    );
  }
  return node;
}
