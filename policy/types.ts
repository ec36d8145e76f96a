/** The vocabulary of the policy report (`npm run check`). */
import type { Config } from '../config/schema.js';
import type { Manifest } from '../core/manifest.js';
import type { Inventory } from './inventory.js';

export type Severity = 'error' | 'warning';

/** One problem a rule found, on one object. */
export interface Finding {
  readonly object: Manifest;
  /** What is wrong, naming the container, port, ... concerned. */
  readonly message: string;
}

export interface Rule {
  /** Short kebab-case name, printed with every finding. */
  readonly name: string;
  readonly severity: Severity;
  /** How to fix a finding of this rule. */
  readonly fix: string;
  /**
   * Tiers whose config may allow what the rule forbids (e.g. the "latest" tag in dev): there a
   * finding is a warning.
   */
  readonly relaxedIn?: readonly Config['tier'][];
  check(inventory: Inventory): Finding[];
}

/** A finding as the report prints it. */
export interface Violation {
  readonly rule: string;
  readonly severity: Severity;
  /** "Deployment webapp-prod/backend" */
  readonly object: string;
  /** Where the object comes from, e.g. "prod/30-backend.yaml". */
  readonly source?: string;
  readonly message: string;
  readonly fix: string;
}
