/**
 * Maps the server's `explain('executionStats')` output to the seam's QueryPlan. The shape varies by version
 * and topology (classic stage trees, slot-based plans under `queryPlan`, 8.0 `EXPRESS_*` stages, `IDHACK`
 * before that, per-shard plans), so the winning plan is walked rather than read at fixed paths.
 */
import type { Document } from 'mongodb';
import type { QueryPlan } from '../document-collection.js';

const CHILD_KEYS = [
  'inputStage',
  'queryPlan',
  'winningPlan',
  'executionStages',
  'innerStage',
  'outerStage',
  'thenStage',
  'elseStage',
];
const CHILD_LIST_KEYS = ['inputStages', 'shards'];

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for the `_id` fast paths, which do not always name their index. */
function isIdStage(node: Document): boolean {
  const stage: unknown = node.stage;
  if (stage === 'IDHACK' || stage === 'EXPRESS_CLUSTERED_IXSCAN') return true;
  if (typeof stage !== 'string' || !stage.startsWith('EXPRESS')) return false;
  const pattern: unknown = node.keyPattern;
  if (typeof pattern === 'string') return /^\{\s*_id:\s*1\s*\}$/.test(pattern);
  return isDocument(pattern) && Object.keys(pattern).join() === '_id';
}

function collectIndexNames(node: unknown, names: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectIndexNames(item, names);
    return;
  }
  if (!isDocument(node)) return;
  if (typeof node.indexName === 'string') names.add(node.indexName);
  else if (isIdStage(node)) names.add('_id_');
  for (const key of CHILD_KEYS) collectIndexNames(node[key], names);
  for (const key of CHILD_LIST_KEYS) collectIndexNames(node[key], names);
}

function toCount(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (isDocument(value) && typeof value.toNumber === 'function')
    return Number((value.toNumber as () => number)());
  return 0;
}

/** Converts an `executionStats` explain document into a QueryPlan. */
export function queryPlanFromExplain(explain: Document): QueryPlan {
  const names = new Set<string>();
  const planner: unknown = explain.queryPlanner;
  const stats: unknown = explain.executionStats;
  if (isDocument(planner)) collectIndexNames(planner.winningPlan, names);
  if (isDocument(stats)) collectIndexNames(stats.executionStages, names);
  return {
    indexName: names.size > 0 ? [...names].join(',') : null,
    docsExamined: isDocument(stats) ? toCount(stats.totalDocsExamined) : 0,
    nReturned: isDocument(stats) ? toCount(stats.nReturned) : 0,
  };
}
