/** The MongoDB engine as a `Storage`: the driver-backed document store plus the document repository. */
import type { StoredDocument } from '../document-collection.js';
import type { AuxCollection, RepositoryDeps, ResourceRepository, Storage, Tx } from '../repository.js';
import { DocumentRepository } from './document-repository.js';
import type { MongoStore } from './mongo-store.js';

/** A `Storage` over MongoDB's document store. */
export class DocumentStorage implements Storage {
  readonly engine = 'mongodb' as const;

  constructor(readonly documents: MongoStore) {}

  repository(deps: RepositoryDeps): ResourceRepository {
    return new DocumentRepository(this.documents, deps);
  }

  aux<T extends StoredDocument = StoredDocument>(name: string): AuxCollection<T> {
    return this.documents.collection<T>(name);
  }

  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
    return this.documents.withTransaction(fn);
  }

  ping(): Promise<void> {
    return this.documents.ping();
  }

  close(): Promise<void> {
    return this.documents.close();
  }
}
