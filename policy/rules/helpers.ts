import { allContainers, type Container, type PodSpec, type PodTemplate } from '../../core/objects.js';
import type { Inventory } from '../inventory.js';
import type { Finding } from '../types.js';

export interface ContainerScope {
  /** Skip pods of namespaces that enforce the "privileged" profile (see Inventory.privilegedNamespaces). */
  readonly exemptPrivilegedNamespaces?: boolean;
  /** Which containers of a pod to check; default: all (init, app, ephemeral). */
  readonly containers?: (spec: PodSpec) => Container[];
}

/** Pod templates a rule applies to. */
export function templatesInScope(inv: Inventory, scope: ContainerScope): readonly PodTemplate[] {
  return scope.exemptPrivilegedNamespaces ? inv.templates.filter((t) => !inv.privilegedNamespaces.has(t.namespace ?? '')) : inv.templates;
}

/** One finding per container for which `problem` returns a message. */
export function containerFindings(inv: Inventory, scope: ContainerScope, problem: (container: Container, template: PodTemplate) => string | undefined): Finding[] {
  return templatesInScope(inv, scope).flatMap((template) =>
    (scope.containers ?? allContainers)(template.spec).flatMap((container) => {
      const message = problem(container, template);
      return message ? [{ object: template.object, message: `container "${container.name}": ${message}` }] : [];
    }),
  );
}

/** A nested field of an object whose shape is not known statically. */
export function field<T>(value: unknown, ...path: string[]): T | undefined {
  let node = value;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node as T | undefined;
}
