/**
 * The storage contract: what every engine behind the seam must do, with MongoDB's semantics. The same suite
 * runs on the embedded engine (always) and on a real MongoDB (when MONGODB_URI is set). Every test uses
 * fresh collections so that it can run against a shared database.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { UpdateFilter } from 'mongodb';
import type {
  DocumentCollection,
  DocumentStore,
  StoredDocument,
} from '../../server/storage/document-collection.js';
import { registerFilterTests } from './contract-queries.js';
import { registerTransactionTests } from './contract-transactions.js';
import { registerWriteTests } from './contract-writes.js';

/** What the contract parts share: the open store and a factory of fresh collections. */
export interface ContractContext {
  store(): DocumentStore;
  fresh<T extends StoredDocument = StoredDocument>(): DocumentCollection<T>;
}

/** A document with a numeric counter (typed so that `$inc` type-checks as it does above the seam). */
export interface Counted extends StoredDocument {
  n: number;
}

/**
 * Types an update document. The driver's `UpdateFilter` rejects `$inc`/`$push`/`$pull` on the fields of a
 * type with an index signature (StoredDocument has one), so callers above the seam need this cast too.
 */
export function update<T extends StoredDocument>(u: Record<string, unknown>): UpdateFilter<T> {
  return u as UpdateFilter<T>;
}

/** Sorted `_id`s of documents (for results whose order is unspecified). */
export function idsOf(docs: StoredDocument[]): string[] {
  return docs.map((d) => d._id).sort();
}

/** The `_id`s in result order. */
export function orderOf(docs: StoredDocument[]): string[] {
  return docs.map((d) => d._id);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: unknown; errorLabels?: unknown; message?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: unknown };
  }
  throw new Error('expected the operation to fail');
}

/** Declares the contract suite for one engine. */
export function runStorageContract(label: string, open: () => Promise<DocumentStore>): void {
  describe(`storage contract: ${label}`, () => {
    let store: DocumentStore | null = null;
    let counter = 0;
    const prefix = `ct${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const ctx: ContractContext = {
      store: () => {
        if (!store) throw new Error('store not open');
        return store;
      },
      fresh: <T extends StoredDocument = StoredDocument>() =>
        ctx.store().collection<T>(`${prefix}_${++counter}`),
    };

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    test('ping resolves and the engine names itself', async () => {
      await expect(ctx.store().ping()).resolves.toBeUndefined();
      expect(ctx.store().engine).toBe('mongodb');
    });

    registerFilterTests(ctx);
    registerWriteTests(ctx);
    registerTransactionTests(ctx);
  });
}
