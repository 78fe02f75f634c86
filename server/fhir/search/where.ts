/**
 * A parsed search as a storage condition (`Where`, storage/repository.ts): its clauses ANDed. Chains,
 * `_has` and `_list` need other resources searched first (resolve.ts); a caller that cannot do that (e.g.
 * conditional criteria compiled synchronously) gets a 400 instead of a wrong match.
 */
import { badRequest, type FhirError } from '../outcomes.js';
import { and, type Where } from '../../storage/repository.js';
import type { Clause, DeferredClause, SearchIR } from './ir.js';

/** The 400 of a chain, `_has` or `_list` clause met where it cannot be resolved. */
export function unresolved(clause: DeferredClause): FhirError {
  return badRequest(
    `Search parameter '${clause.name}' needs other resources to be searched first and is not supported here`,
    undefined,
    'not-supported',
  );
}

/** One resolved clause as a `Where`. */
export function whereOfClause(clause: Clause): Where {
  switch (clause.kind) {
    case 'chain':
    case 'has':
    case 'list':
      throw unresolved(clause);
    default:
      return clause;
  }
}

/** The clauses of a (resolved) search, ANDed. */
export function whereOf(ir: SearchIR): Where {
  return and(...ir.clauses.map(whereOfClause));
}
