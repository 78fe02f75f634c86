/**
 * The SearchParameters of the FHIR packages a practice added to IG_PACKAGES_DIR (`npm run ig -- add` with
 * IG_PACKAGES_DIR set), registered at start as if written over the API: each active one the server does not
 * serve yet is stored as a SearchParameter resource (its id from the package), pending until `$reindex`.
 * A parameter that defines what the server already serves on every base (same code and expression) is
 * skipped silently; one the server cannot serve (a code a base already has with another definition, an
 * expression that does not compile, ...) is skipped with its reason. The packages shipped in packages/
 * (US Core) are not read here: the four US Core parameters R4 lacks are built in.
 * Idempotent: a parameter already stored with the same definition is not written again.
 */
import type { SearchParameter } from 'fhir/r4.js';
import { FhirError } from '../outcomes.js';
import { PackageSet } from '../packages/package-set.js';
import type { FhirServices } from '../services.js';

/** What loading the packages' SearchParameters did. */
export interface PackageParamsReport {
  /** Registered now (newly stored or changed): their urls. */
  registered: string[];
  /** Already stored as they are. */
  unchanged: string[];
  /** Not registered, with why (already served parameters are not listed). */
  skipped: Array<{ url: string; why: string }>;
}

const squash = (text: string | undefined) => (text ?? '').replace(/\s+/g, '');

/** Same definition as stored (code, bases, type, expression, status, url). */
function sameDefinition(a: SearchParameter, b: SearchParameter): boolean {
  return (
    a.url === b.url &&
    a.code === b.code &&
    a.type === b.type &&
    a.status === b.status &&
    [...a.base].sort().join() === [...b.base].sort().join() &&
    squash(a.expression) === squash(b.expression)
  );
}

/** Registers the active SearchParameters of the packages in `dir` (see the module comment). */
export async function loadPackageSearchParameters(
  services: FhirServices,
  dir: string,
): Promise<PackageParamsReport> {
  const report: PackageParamsReport = { registered: [], unchanged: [], skipped: [] };
  const params = PackageSet.open([dir]).resourcesOfType<SearchParameter>('SearchParameter');
  for (const sp of params) {
    if (sp.status !== 'active' || !sp.id) continue;
    const current = await services.resources.read('SearchParameter', sp.id);
    const stored =
      current && !current.deleted ? (current.resource as SearchParameter | undefined) : undefined;
    if (stored && sameDefinition(stored, sp)) {
      report.unchanged.push(sp.url);
      continue;
    }
    if (stored && stored.url !== sp.url) {
      report.skipped.push({
        url: sp.url,
        why: `SearchParameter/${sp.id} is another parameter (${stored.url})`,
      });
      continue;
    }
    if (services.runtimeParams?.served(sp)) continue;
    try {
      await services.resources.put('SearchParameter', sp.id, sp, { method: 'PUT' });
      report.registered.push(sp.url);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      report.skipped.push({ url: sp.url, why: err.message });
    }
  }
  return report;
}
