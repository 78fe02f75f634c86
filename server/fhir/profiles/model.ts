/**
 * A profile compiled from its snapshot (R4 profiling.html, elementdefinition.html): a tree of element
 * nodes following the element ids, with slices hanging off the element they slice.
 */
import type { Invariant } from './invariants.js';

/** One allowed type of an element (ElementDefinition.type). */
export interface TypeRule {
  readonly code: string;
  /** Profiles the value must conform to (type.profile), e.g. an extension definition. */
  readonly profiles: readonly string[];
  /** Profiles (and so resource types) a Reference may point to (type.targetProfile). */
  readonly targetProfiles: readonly string[];
}

/** One discriminator of a slicing (elementdefinition.html#discriminator). */
export interface Discriminator {
  readonly type: 'value' | 'exists' | 'pattern' | 'type' | 'profile';
  readonly path: string;
}

/** The slicing declared on an element. */
export interface Slicing {
  readonly discriminators: readonly Discriminator[];
  readonly rules: 'closed' | 'open' | 'openAtEnd';
}

/** One element of a profile, with its children and slices. */
export interface ElementNode {
  readonly id: string;
  readonly path: string;
  /** Name without `[x]`. */
  readonly name: string;
  readonly choice: boolean;
  readonly min: number;
  /** Infinity for `*`. */
  readonly max: number;
  /** True when the JSON form is an array (the base element repeats). */
  readonly isArray: boolean;
  readonly types: readonly TypeRule[];
  readonly sliceName?: string;
  /** [fixed type suffix, value] of fixed[x]. */
  readonly fixed?: readonly [string, unknown];
  /** [pattern type suffix, value] of pattern[x]. */
  readonly pattern?: readonly [string, unknown];
  /** Canonical URL of a required binding. */
  readonly requiredValueSet?: string;
  readonly invariants: readonly Invariant[];
  readonly children: ElementNode[];
  readonly slicing?: Slicing;
  readonly slices: ElementNode[];
  /** For contentReference elements: the id of the element whose children apply. */
  readonly contentReference?: string;
}

/** A compiled StructureDefinition. */
export interface CompiledProfile {
  readonly url: string;
  readonly version?: string;
  readonly name: string;
  /** The constrained type (`Condition`, `Extension`). */
  readonly type: string;
  readonly kind: string;
  readonly root: ElementNode;
  /** Nodes by element id (for contentReference). */
  readonly byId: ReadonlyMap<string, ElementNode>;
}
