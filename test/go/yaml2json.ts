/**
 * Reads YAML text exactly as kubectl, Helm and Argo CD do: through sigs.k8s.io/yaml (go-yaml v2,
 * YAML 1.1 resolution), by the test-only Go tool test/go/yaml2json built from Debian's packages.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./build.sh', import.meta.url));
let binary: string | undefined;

/** The documents of a YAML stream as sigs.k8s.io/yaml reads them (empty documents dropped). */
export function readAsKubectl(text: string): unknown[] {
  binary ??= execFileSync('bash', [buildScript, 'yaml2json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  return JSON.parse(execFileSync(binary, { input: text, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as unknown[];
}
