/** What synthesis produces, before it is written: plain JSON objects, grouped into the files of an output directory. */

/** A Kubernetes object as plain JSON. */
export type Manifest = Record<string, unknown>;

/** One file of dist/<env>/: the objects of one chart. */
export interface RenderedFile {
  readonly name: string;
  readonly objects: Manifest[];
}

export interface RenderedEnvironment {
  readonly name: string;
  readonly files: RenderedFile[];
  /**
   * Files written into the environment directory but not listed in its kustomization.yaml, so only
   * applied by hand (the restore Jobs, restore/<datastore>.yaml); absent when there are none.
   */
  readonly unlisted?: RenderedFile[];
  /** The config file it was rendered from, as generated files name it; default config/environments/<name>.yaml. */
  readonly source?: string;
}
