/**
 * Go's text/template as the Argo CD ApplicationSet controller runs it with goTemplate: true, by the
 * test-only Go tool test/go/gotemplate (standard library only): for the ApplicationSet's template
 * and templatePatch.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./build.sh', import.meta.url));
let binary: string | undefined;

/** `template` executed once per element of `data`, with text/template options such as "missingkey=error"; throws the Go error. */
export function executeGoTemplate(template: string, data: readonly Record<string, unknown>[], options: readonly string[] = []): string[] {
  binary ??= execFileSync('bash', [buildScript, 'gotemplate'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  return JSON.parse(execFileSync(binary, { input: JSON.stringify({ template, options, data }), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })) as string[];
}
