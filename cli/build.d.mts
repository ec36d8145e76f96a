/** Types of cli/build.mjs, which is plain JavaScript (it runs before anything is compiled). */

/** A command as cli/run.mjs starts it: its module, the name of its V8 code cache, the exported function. */
export interface Command {
  readonly source: string;
  readonly entry: string;
  readonly run: string;
}

export const COMMANDS: Readonly<Record<string, Command>>;
/** The bundle's file name in a build directory. */
export const BUNDLE: string;
/** The directory of the build described by the manifest when it matches the sources, else undefined. */
export function freshBuild(): string | undefined;
/** The directory of a build of the current sources: the fresh one, or a new one. */
export function currentBuild(): Promise<string>;
