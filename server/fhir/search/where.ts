/**
 * A parsed search as a storage condition (`Where`, storage/repository.ts): its clauses ANDed. Chains,
 * `_has` and `_list` need other resources searched first (resolve.ts); a caller that cannot do that (e.g.
 * conditional criteria compiled synchronously) gets a 400 instead of a wrong match.
 */
import { badRequest } from '../outcomes.js';
import { and, type Where } from '../../storage/repository.js';
import type { Clause, SearchIR } from './ir.js';

/** One resolved clause as a `Where`. */
export function whereOfClause(clause: Clause): Where {
  switch (clause.kind) {
    case 'chain':
    case 'has':
    case 'list':
      throw badRequest(
        `Search parameter '${clause.name}' needs other resources to be searched first and is not supported here`,
        undefined,
        'not-supported',
      );
    default:
      return clause;
  }
}

/** The clauses of a (resolved) search, ANDed. */
export function whereOf(ir: SearchIR): Where {
  return and(...ir.clauses.map(whereOfClause));
}
