import { parseDocument } from 'yaml';
import type { Edit } from './canary.js';

/**
 * Applies edits to YAML text through the yaml Document API, which keeps comments, key order and
 * layout; paths missing from the file are created (they came from the defaults).
 */
export function applyEdits(text: string, base: readonly string[], edits: readonly Edit[]): string {
  const doc = parseDocument(text);
  for (const edit of edits) {
    const path = [...base, ...edit.path];
    if ('remove' in edit) {
      if (doc.hasIn(path)) doc.deleteIn(path);
    } else {
      doc.setIn(path, edit.value);
    }
  }
  return doc.toString();
}
