/**
 * The MongoDB engine's start-up check of the deployment, on `hello` replies shaped as the MongoDB manual
 * documents them (standalone, replica set members, mongos). A pure function: no server is involved.
 */
import { describe, expect, test } from '@jest/globals';
import { deploymentProblem, NotReplicaSetError } from '../../server/storage/mongodb/deployment.js';

const common = { maxBsonObjectSize: 16777216, maxWireVersion: 21, ok: 1 };

describe('deploymentProblem', () => {
  test('a replica set primary, a secondary and a one-node replica set are accepted', () => {
    expect(
      deploymentProblem({
        ...common,
        isWritablePrimary: true,
        setName: 'rs0',
        hosts: ['a:27017', 'b:27017'],
      }),
    ).toBeNull();
    expect(
      deploymentProblem({ ...common, isWritablePrimary: false, secondary: true, setName: 'rs0' }),
    ).toBeNull();
    expect(
      deploymentProblem({ ...common, isWritablePrimary: true, setName: 'single', hosts: ['h:27017'] }),
    ).toBeNull();
  });

  test('a mongos (sharded cluster) is accepted', () => {
    expect(deploymentProblem({ ...common, isWritablePrimary: true, msg: 'isdbgrid' })).toBeNull();
  });

  test('a standalone server is refused with how to start a one-node replica set', () => {
    const problem = deploymentProblem({ ...common, isWritablePrimary: true });
    expect(problem).toMatch(/standalone/);
    expect(problem).toMatch(/replica set or a sharded cluster/);
    expect(problem).toMatch(/--replSet rs0/);
    expect(problem).toMatch(/rs\.initiate\(\)/);
    expect(problem).toMatch(/replicaSet=rs0/);
  });

  test('an empty setName or another msg is not a replica set or mongos', () => {
    expect(deploymentProblem({ ...common, setName: '' })).not.toBeNull();
    expect(deploymentProblem({ ...common, msg: 'something else' })).not.toBeNull();
    expect(deploymentProblem({})).not.toBeNull();
  });

  test('the refusal carries codeName NotReplicaSet (what the start-up message reads)', () => {
    const err = new NotReplicaSetError('why');
    expect(err).toBeInstanceOf(Error);
    expect(err.codeName).toBe('NotReplicaSet');
    expect(err.message).toBe('why');
  });
});
