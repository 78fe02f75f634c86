/**
 * A CodeSystem compiled for look-ups (R4 codesystem.html): concepts by code with their parent and
 * children (the `concept` hierarchy is subsumption, codesystem.html#hierarchy), in definition order.
 */
import type { CodeSystem, CodeSystemConcept } from 'fhir/r4.js';

/** One concept with its place in the hierarchy. */
export interface ConceptEntry {
  readonly code: string;
  readonly concept: CodeSystemConcept;
  readonly parent?: string;
  readonly children: string[];
}

/** Look-ups over one CodeSystem. */
export class CodeSystemIndex {
  private readonly byCode = new Map<string, ConceptEntry>();
  private readonly lower?: Map<string, ConceptEntry>;
  /** Concepts in definition order (depth first). */
  readonly concepts: ConceptEntry[] = [];

  constructor(readonly resource: CodeSystem) {
    const visit = (list: CodeSystemConcept[] | undefined, parent?: string) => {
      for (const c of list ?? []) {
        const entry: ConceptEntry = {
          code: c.code,
          concept: c,
          parent,
          children: (c.concept ?? []).map((x) => x.code),
        };
        if (!this.byCode.has(c.code)) {
          this.byCode.set(c.code, entry);
          this.concepts.push(entry);
        }
        visit(c.concept, c.code);
      }
    };
    visit(resource.concept);
    if (resource.caseSensitive === false) {
      this.lower = new Map([...this.byCode].map(([k, v]) => [k.toLowerCase(), v]));
    }
  }

  /** Canonical URL. */
  get url(): string {
    return this.resource.url ?? '';
  }

  /** True when every concept of the system is listed (content = complete). */
  get complete(): boolean {
    return this.resource.content === 'complete';
  }

  /** The concept with this code (case-insensitive when the system says so). */
  get(code: string): ConceptEntry | undefined {
    return this.byCode.get(code) ?? this.lower?.get(code.toLowerCase());
  }

  /** The concept and everything below it (is-a), or only below it (descendent-of). */
  subsumed(code: string, includeSelf: boolean): ConceptEntry[] {
    const root = this.get(code);
    if (!root) return [];
    const out: ConceptEntry[] = includeSelf ? [root] : [];
    const stack = [...root.children].reverse();
    const seen = new Set<string>([root.code]);
    while (stack.length > 0) {
      const c = this.get(stack.pop() as string);
      if (!c || seen.has(c.code)) continue;
      seen.add(c.code);
      out.push(c);
      stack.push(...[...c.children].reverse());
    }
    return out;
  }

  /** The value of a concept property (codesystem.html#properties), as a string. */
  property(entry: ConceptEntry, name: string): string[] {
    return (entry.concept.property ?? [])
      .filter((p) => p.code === name)
      .map((p) =>
        String(
          p.valueCode ??
            p.valueString ??
            p.valueBoolean ??
            p.valueInteger ??
            p.valueDateTime ??
            p.valueDecimal ??
            p.valueCoding?.code ??
            '',
        ),
      );
  }
}
