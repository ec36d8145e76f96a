/**
 * The serialize-and-write floor of `npm run bench`: the least any synthesis of the same output can
 * cost. It reads the objects of every output file from one JSON file (made by bench/bench.ts from
 * dist/), serializes them with the `yaml` package and the project's options (the same strings
 * double-quoted, no line folding), writes the files, and nothing else: no config, no constructs, no
 * validation, no re-reading. bench/bench.ts checks that the bytes equal dist/.
 *
 *   node bench/serialize-floor.mjs <objects.json> <outdir>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Document, visit } from 'yaml';

const [input, outdir] = process.argv.slice(2);
const { files, quoted } = JSON.parse(readFileSync(input, 'utf8'));
const quote = new Set(quoted);
for (const { path, header, objects } of files) {
  const text = objects
    .map((object) => {
      const doc = new Document(object);
      visit(doc, {
        Scalar(_key, node) {
          if (typeof node.value === 'string' && quote.has(node.value)) node.type = 'QUOTE_DOUBLE';
        },
      });
      return doc.toString({ lineWidth: 0, minContentWidth: 0 });
    })
    .join('---\n');
  mkdirSync(dirname(join(outdir, path)), { recursive: true });
  writeFileSync(join(outdir, path), header + text);
}
