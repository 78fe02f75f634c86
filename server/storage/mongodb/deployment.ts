/**
 * The start-up check of the MongoDB deployment: the engine commits every write in a multi-document
 * transaction, which MongoDB serves only on a replica set or through mongos (a sharded cluster). A
 * standalone server is refused at start with a message that says how to turn it into a one-node replica
 * set, instead of failing on the first write.
 */
import type { Document } from 'mongodb';

/** The start-up refusal of a deployment that cannot run transactions (`codeName` as main.ts reads it). */
export class NotReplicaSetError extends Error {
  readonly codeName = 'NotReplicaSet';

  constructor(message: string) {
    super(message);
    this.name = 'NotReplicaSetError';
  }
}

/**
 * Why the deployment described by a `hello` reply cannot serve this engine, or null when it can: a replica
 * set member reports `setName`, a mongos reports `msg: 'isdbgrid'` (MongoDB manual, "hello" command).
 */
export function deploymentProblem(hello: Document): string | null {
  if (typeof hello.setName === 'string' && hello.setName !== '') return null;
  if (hello.msg === 'isdbgrid') return null;
  return (
    'MONGODB_URI names a standalone MongoDB server, but ccm-fhir writes in transactions, which need a ' +
    'replica set or a sharded cluster (mongos). Start the server as a one-node replica set: add ' +
    '`--replSet rs0` to mongod (or `replication.replSetName: rs0` in mongod.conf), restart it, run ' +
    '`mongosh --eval "rs.initiate()"` once, then use a URI such as mongodb://localhost:27017/ccm?replicaSet=rs0.'
  );
}
