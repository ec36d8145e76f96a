/** Types of cli/build.mjs, which is plain JavaScript (it runs before anything is compiled). */

/** A command as cli/run.mjs starts it: its module, the bundle's entry name, the exported function. */
export interface Command {
  readonly source: string;
  readonly entry: string;
  readonly run: string;
}

export const COMMANDS: Readonly<Record<string, Command>>;
/** The directory of a build of the current sources: the fresh one, or a new one. */
export function currentBuild(): Promise<string>;
