/**
 * Workload files whose text comes from a file of the repository (`files.<key>.source`): read at
 * load time, relative to the config directory (the directory that holds environments/), and
 * checked: inside that directory, a regular file, at most 1 MiB, UTF-8 text. Each problem names
 * the key path of its `source`, so the loader can point at the line.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ConfigProblem } from './rules.js';
import type { Config } from './schema.js';

/** The API server refuses a ConfigMap whose data totals more than 1 MiB; one file cannot be larger. */
const FILE_MAX_BYTES = 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads every `source` of every workload's files into its `content` (the config is changed in
 * place); returns the problems, none when every file could be read.
 */
export function resolveFileSources(config: Config, configDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const section of ['services', 'workers'] as const) {
    for (const [name, workload] of Object.entries(config[section])) {
      for (const [key, file] of Object.entries(workload.files)) {
        if (file.source === undefined) continue;
        const read = readSource(file.source, configDir);
        if (typeof read === 'string') file.content = read;
        else problems.push({ path: [section, name, 'files', key, 'source'], message: read.problem, severity: 'error' });
      }
    }
  }
  return problems;
}

/** The text of a source file, or what is wrong with it. */
export function readSource(source: string, configDir: string): string | { problem: string } {
  if (isAbsolute(source)) return { problem: `"${source}" is an absolute path; give a path relative to the config directory (${configDir}), e.g. "files/nginx.conf"` };
  const root = resolve(configDir);
  const path = resolve(root, source);
  const outside = (p: string, base: string) => {
    const rel = relative(base, p);
    return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  };
  if (outside(path, root)) return { problem: `"${source}" is outside the config directory (${configDir}): files are read only from inside it` };
  let real: string;
  try {
    real = realpathSync(path);
    if (outside(real, realpathSync(root))) return { problem: `"${source}" is a link to a file outside the config directory (${configDir}): files are read only from inside it` };
    const stats = statSync(real);
    if (!stats.isFile()) return { problem: `"${source}" is not a regular file` };
    if (stats.size > FILE_MAX_BYTES) return { problem: `"${source}" is ${stats.size} bytes; a file mounted from a ConfigMap is limited to ${FILE_MAX_BYTES} bytes (1 MiB)` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? `"${source}": no such file in the config directory (${configDir})` : `"${source}" cannot be read (${code ?? String(error)})` };
  }
  const bytes = readFileSync(real);
  try {
    return utf8.decode(bytes);
  } catch {
    return { problem: `"${source}" is not UTF-8 text: a ConfigMap's data holds text only; convert the file or build it into the image` };
  }
}
