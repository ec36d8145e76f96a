/** Reading the zod config schema along a config path: the field's own schema, docs and optionality. */
import type { z } from 'zod';

export interface FieldInfo {
  /** The field's schema as declared (with its default, checks and description). */
  readonly schema: z.ZodType;
  readonly description?: string;
  /** Lengths of the path prefixes (this field included) that are optional without a default. */
  readonly optionalAt: readonly number[];
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps default/prefault/optional/pipe layers; records whether one was a bare optional. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; description?: string } {
  let current = schema;
  let optional = false;
  let description = current.description;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'optional') optional = true;
    if (def.type === 'default' || def.type === 'prefault') optional = false;
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) break;
    current = next;
    description ??= current.description;
  }
  return { inner: current, optional, description };
}

export function fieldAt(root: z.ZodType, path: readonly string[]): FieldInfo {
  let schema = root;
  let description: string | undefined;
  const optionalAt: number[] = [];
  path.forEach((key, i) => {
    const container = unwrap(schema).inner;
    const def = defOf(container);
    const child = def.type === 'object' ? def.shape?.[key] : def.type === 'record' ? def.valueType : undefined;
    if (!child) throw new Error(`config schema has no field ${path.slice(0, i + 1).join('.')}`);
    schema = child;
    const info = unwrap(child);
    if (info.optional) optionalAt.push(i + 1);
    description = info.description;
  });
  return { schema, description, optionalAt };
}
