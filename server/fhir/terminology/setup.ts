/** Builds the server's Terminology from the R4 package, the v3 bundle and profiles/ (ours and US Core). */
import type { R4Definitions } from '../definitions.js';
import type { ConformanceSet } from '../profiles/conformance.js';
import { loadV3Terminology } from './r4-sources.js';
import { Terminology } from './terminology.js';

/** The bundled terminology: R4, US Core and ours now (ours win), the v3 bundle on the first look-up that needs it. */
export function createTerminology(defs: R4Definitions, conformance: ConformanceSet): Terminology {
  return new Terminology(
    [
      { valueSets: defs.valueSets.values(), codeSystems: defs.codeSystems.values() },
      { valueSets: conformance.valueSets, codeSystems: conformance.codeSystems },
    ],
    () => [loadV3Terminology()],
  );
}
