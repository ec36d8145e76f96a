/**
 * Parses Alloy configuration text with Grafana Alloy's own parser (syntax v1.18.1), by the
 * test-only Go tool test/go/alloy-parse built from the copied sources in test/go/third_party/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./build.sh', import.meta.url));
let binary: string | undefined;

/** The statements of `text` as observability/alloy.ts models them, or the parser's diagnostics. */
export function parseAlloy(text: string): { ok: true; statements: unknown[] } | { ok: false; error: string } {
  binary ??= execFileSync('bash', [buildScript, 'alloy-parse'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  const run = spawnSync(binary, { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status === 0) return { ok: true, statements: JSON.parse(run.stdout) as unknown[] };
  if (run.status === 1) return { ok: false, error: run.stderr.trim() };
  throw new Error(`alloy-parse failed (${run.status}): ${run.stderr}`);
}
