/**
 * The MongoDB engine's explain mapping, on explain documents shaped as the server documents them (classic
 * stage trees, IDHACK, 8.0 EXPRESS stages, slot-based `queryPlan`, sharded `shards`). A pure function: no
 * server and no driver mock are involved.
 */
import { describe, expect, test } from '@jest/globals';
import { queryPlanFromExplain } from '../../server/storage/mongodb/explain.js';

const stats = (docs: number, returned: number, stages: object): object => ({
  nReturned: returned,
  totalKeysExamined: docs,
  totalDocsExamined: docs,
  executionStages: stages,
});

describe('queryPlanFromExplain', () => {
  test('index scan under FETCH', () => {
    const ixscan = { stage: 'IXSCAN', keyPattern: { k: 1 }, indexName: 'k_1' };
    const plan = queryPlanFromExplain({
      queryPlanner: {
        winningPlan: { stage: 'FETCH', inputStage: ixscan },
        rejectedPlans: [{ stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'other' } }],
      },
      executionStats: stats(5, 5, { stage: 'FETCH', inputStage: ixscan }),
    });
    expect(plan).toEqual({ indexName: 'k_1', docsExamined: 5, nReturned: 5 });
  });

  test('_id fast paths: IDHACK and EXPRESS_IXSCAN', () => {
    const idhack = {
      queryPlanner: { winningPlan: { stage: 'IDHACK' } },
      executionStats: stats(1, 1, { stage: 'IDHACK' }),
    };
    expect(queryPlanFromExplain(idhack)).toEqual({ indexName: '_id_', docsExamined: 1, nReturned: 1 });
    const express = {
      queryPlanner: { winningPlan: { isCached: false, stage: 'EXPRESS_IXSCAN', keyPattern: '{ _id: 1 }' } },
      executionStats: stats(1, 1, { stage: 'EXPRESS_IXSCAN', keyPattern: '{ _id: 1 }', indexName: '_id_' }),
    };
    expect(queryPlanFromExplain(express)).toEqual({ indexName: '_id_', docsExamined: 1, nReturned: 1 });
  });

  test('collection scan, slot-based plans and sharded plans', () => {
    const scan = {
      queryPlanner: { winningPlan: { stage: 'COLLSCAN' } },
      executionStats: stats(50, 5, { stage: 'COLLSCAN' }),
    };
    expect(queryPlanFromExplain(scan)).toEqual({ indexName: null, docsExamined: 50, nReturned: 5 });
    const sbe = {
      queryPlanner: {
        winningPlan: {
          queryPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'lu_1' } },
          slotBasedPlan: {},
        },
      },
      executionStats: { nReturned: 2, totalDocsExamined: 2 },
    };
    expect(queryPlanFromExplain(sbe)).toEqual({ indexName: 'lu_1', docsExamined: 2, nReturned: 2 });
    const sharded = {
      queryPlanner: {
        winningPlan: {
          stage: 'SHARD_MERGE',
          shards: [
            {
              shardName: 'a',
              winningPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'p_1' } },
            },
          ],
        },
      },
      executionStats: { nReturned: 3, totalDocsExamined: 3, executionStages: { stage: 'SHARD_MERGE' } },
    };
    expect(queryPlanFromExplain(sharded)).toEqual({ indexName: 'p_1', docsExamined: 3, nReturned: 3 });
  });
});
