/**
 * Size limits the API server enforces on one object, which schema validation cannot see:
 *
 * - an object is stored in etcd as one value: the API server refuses a request over its limit
 *   (etcd's default --max-request-bytes is 1.5 MiB, and ConfigMap and Secret data may total at
 *   most 1 MiB); we hold every object to 1 MiB of JSON.
 * - the annotations of one object may total at most 256 KiB, keys and values
 *   (TotalAnnotationSizeLimitB, k8s.io/apimachinery/pkg/api/validation/objectmeta.go). Client-side
 *   `kubectl apply` (and Argo CD, which applies the same way unless ServerSideApply is set) adds
 *   the annotation kubectl.kubernetes.io/last-applied-configuration: the whole object as JSON.
 *   So an object of more than about 256 KiB cannot be applied that way at all.
 *
 * Sizes are bytes of JSON as Go's encoding/json writes it (what kubectl puts in the annotation):
 * UTF-8, and `<`, `>`, `&`, U+2028 and U+2029 escaped as \u003c etc.
 */
import { isObj } from './types.js';

export const MAX_OBJECT_BYTES = 1024 * 1024;
export const MAX_ANNOTATION_BYTES = 256 * 1024;
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Bytes of `value` as compact JSON written by Go's encoding/json. */
export function goJsonBytes(value: unknown): number {
  const text = JSON.stringify(value) ?? '';
  let escaped = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3c || c === 0x3e || c === 0x26)
      escaped += 5; // "<" (1 byte) -> "\u003c" (6)
    else if (c === 0x2028 || c === 0x2029) escaped += 3; // 3 bytes of UTF-8 -> 6
  }
  return Buffer.byteLength(text, 'utf8') + escaped;
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Where an object's bytes are: the path of its largest part, descending while one part holds most of its parent. */
function largestPart(obj: unknown): { path: string; bytes: number } {
  let path = '';
  let node = obj;
  let bytes = goJsonBytes(obj);
  for (let depth = 0; depth < 6; depth++) {
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((v, i) => [`[${i}]`, v])
      : isObj(node)
        ? Object.entries(node).map(([k, v]) => [/^[A-Za-z_][\w-]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`, v])
        : [];
    let best: [string, unknown, number] | undefined;
    for (const [key, value] of entries) {
      const size = goJsonBytes(value);
      if (!best || size > best[2]) best = [key, value, size];
    }
    if (!best || best[2] * 2 < bytes) break;
    path += best[0];
    node = best[1];
    bytes = best[2];
  }
  return { path: path.replace(/^\./, '') || '(the whole object)', bytes };
}

/**
 * Problems of an object with the API server's size limits, one line each (empty when it fits):
 * what is too large, by how much, its largest part, and what to do.
 */
export function sizeProblems(obj: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const md = isObj(obj.metadata) ? obj.metadata : {};
  const annotations = isObj(md.annotations) ? md.annotations : {};
  const { [LAST_APPLIED_ANNOTATION]: _ignored, ...own } = annotations;
  // kubectl writes the object without its previous last-applied-configuration.
  const applied = Object.keys(own).length === Object.keys(annotations).length ? obj : { ...obj, metadata: { ...md, annotations: own } };
  const objectBytes = goJsonBytes(applied);
  const ownAnnotationBytes = Object.entries(own).reduce((sum, [key, value]) => sum + utf8(key) + utf8(typeof value === 'string' ? value : JSON.stringify(value)), 0);
  const largest = largestPart(applied);
  const where = `its largest part is ${largest.path} (${largest.bytes} bytes)`;
  if (objectBytes > MAX_OBJECT_BYTES) {
    problems.push(
      `the object is ${objectBytes} bytes of JSON, over the ${MAX_OBJECT_BYTES} bytes (1 MiB) the API server stores in one object; ${where}: split it into several objects`,
    );
  }
  if (ownAnnotationBytes > MAX_ANNOTATION_BYTES) {
    problems.push(`metadata.annotations: ${ownAnnotationBytes} bytes, over the ${MAX_ANNOTATION_BYTES} bytes (256 KiB) the API server accepts for the annotations of one object`);
  } else if (ownAnnotationBytes + utf8(LAST_APPLIED_ANNOTATION) + objectBytes > MAX_ANNOTATION_BYTES) {
    const total = ownAnnotationBytes + utf8(LAST_APPLIED_ANNOTATION) + objectBytes;
    problems.push(
      `the object is ${objectBytes} bytes of JSON; \`kubectl apply\` (client-side, also Argo CD's default) copies it into the ${LAST_APPLIED_ANNOTATION} annotation, ` +
        `and the annotations would total ${total} bytes, over the ${MAX_ANNOTATION_BYTES} bytes (256 KiB) the API server accepts; ${where}: ` +
        `make the object smaller than about ${MAX_ANNOTATION_BYTES - ownAnnotationBytes - utf8(LAST_APPLIED_ANNOTATION)} bytes by splitting it`,
    );
  }
  return problems;
}
