/**
 * The v3 ValueSets and CodeSystems of the R4 package (Bundle-v3-valuesets.json: v3-ActCode,
 * v3-ParticipationType, ...), read once per process; the FHIR-defined ones come with loadR4Definitions().
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, CodeSystem, ValueSet } from 'fhir/r4.js';
import { R4_PACKAGE_DIR } from '../definitions.js';
import { processCache } from '../profiles/process-cache.js';

/** ValueSets and CodeSystems of one bundle. */
export interface TerminologyBundle {
  valueSets: ValueSet[];
  codeSystems: CodeSystem[];
}

/** The v3 terminology of the R4 package (about 35 ms to read, once per process). */
export function loadV3Terminology(): TerminologyBundle {
  return processCache('r4-v3-terminology', () => {
    const bundle = JSON.parse(
      readFileSync(path.join(R4_PACKAGE_DIR, 'Bundle-v3-valuesets.json'), 'utf8'),
    ) as Bundle;
    const out: TerminologyBundle = { valueSets: [], codeSystems: [] };
    for (const e of bundle.entry ?? []) {
      if (e.resource?.resourceType === 'ValueSet') out.valueSets.push(e.resource as ValueSet);
      else if (e.resource?.resourceType === 'CodeSystem') out.codeSystems.push(e.resource as CodeSystem);
    }
    return out;
  });
}
