/**
 * The policy report: every rule run over a set of synthesized objects, violations object by
 * object. Errors fail `npm run check`; warnings are printed only.
 */
import type { Config } from '../config/schema.js';
import { describeObject } from '../core/objects.js';
import type { Manifest } from '../core/manifest.js';
import { inventory } from './inventory.js';
import { privilegeStatements, type PrivilegeStatement } from './privileges.js';
import { availabilityRules } from './rules/availability.js';
import { containerRules } from './rules/containers.js';
import { networkRules } from './rules/network.js';
import { podSecurityRules } from './rules/pod-security.js';
import { referenceRules } from './rules/references.js';
import type { Rule, Severity, Violation } from './types.js';

export type { Rule, Severity, Violation } from './types.js';
export { formatPrivileges, type PrivilegeStatement } from './privileges.js';

/** What each workload of `objects` may do beyond the defaults (policy/privileges.ts). */
export function privilegesOf(objects: readonly Manifest[]): PrivilegeStatement[] {
  return privilegeStatements(inventory(objects));
}

export const RULES: readonly Rule[] = [...podSecurityRules, ...containerRules, ...referenceRules, ...availabilityRules, ...networkRules];

export interface CheckOptions {
  /** Tier of the environment the objects belong to; relaxes the rules that config relaxes there. */
  readonly tier?: Config['tier'];
  /** Where each object comes from, e.g. "prod/30-backend.yaml". */
  readonly sourceOf?: (object: Manifest) => string | undefined;
  readonly rules?: readonly Rule[];
}

/** Every violation of every rule, in rule order. */
export function checkObjects(objects: readonly Manifest[], options: CheckOptions = {}): Violation[] {
  const inv = inventory(objects);
  return (options.rules ?? RULES).flatMap((rule) => {
    const severity: Severity = options.tier && rule.relaxedIn?.includes(options.tier) ? 'warning' : rule.severity;
    return rule.check(inv).map((finding) => ({
      rule: rule.name,
      severity,
      object: describeObject(finding.object),
      source: options.sourceOf?.(finding.object),
      message: finding.message,
      fix: rule.fix,
    }));
  });
}

export function countBySeverity(violations: readonly Violation[]): Record<Severity, number> {
  return {
    error: violations.filter((v) => v.severity === 'error').length,
    warning: violations.filter((v) => v.severity === 'warning').length,
  };
}

/**
 * Violations grouped by object:
 *
 *   Deployment webapp-prod/backend (prod/30-backend.yaml)
 *     error    run-as-non-root: container "backend": may run as root: runAsNonRoot is not true
 *              fix: set securityContext.runAsNonRoot: true on the pod ...
 */
export function formatViolations(violations: readonly Violation[]): string {
  const byObject = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = `${v.object}${v.source ? ` (${v.source})` : ''}`;
    byObject.set(key, [...(byObject.get(key) ?? []), v]);
  }
  return [...byObject.entries()]
    .map(([object, list]) => [object, ...list.flatMap((v) => [`  ${v.severity.padEnd(8)} ${v.rule}: ${v.message}`, `  ${' '.repeat(8)} fix: ${v.fix}`])].join('\n'))
    .join('\n\n');
}
