/** Shapes shared by the validators: the issues they report and the raw errors they collect. */
export interface ManifestIssue {
  kind: string;
  name: string;
  namespace?: string;
  /** `<Kind>/<name>: <field path>: <what is wrong>` */
  message: string;
  /** Over a size limit of the API server (core/validate/limits.ts), not a schema error. */
  limit?: true;
}

export type Json = Record<string, unknown>;

/** Shape shared by ajv errors and the errors of kubernetes-models' precompiled (ajv standalone) validators. */
export interface RawError {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Returns the errors for `data` (empty array when valid). */
export type Checker = (data: unknown) => RawError[];

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
