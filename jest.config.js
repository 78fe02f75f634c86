import { createDefaultEsmPreset } from 'ts-jest';

const withMongo = Boolean(process.env.MONGODB_URI);
if (!withMongo) {
  // The MongoDB leg of the storage contract suite needs a real server: say so instead of faking it.
  console.warn('[ccm-fhir] MONGODB_URI is not set: the MongoDB storage contract suite (test/storage/mongodb*) is not run.');
}

/** Jest runs the TypeScript sources as ESM through ts-jest (type checking is `tsc --noEmit`). */
export default {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: withMongo ? ['/node_modules/'] : ['/node_modules/', '/test/storage/mongodb'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // The fixture of the engine before SQLite holds a `snapshot-N.snap` file, which is not a jest snapshot:
  // keep jest from reporting it obsolete (and from deleting it under `-u`).
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/legacy-embedded/'],
  testTimeout: 60000,
  // Suites load the R4 definitions and big fixtures: recycle a worker once it holds this much, so a run of
  // every suite stays within memory on a small machine.
  workerIdleMemoryLimit: '1500MB',
  // Two workers on the 2-core machines (jest's default is cores - 1 = one): the suites spend much of their
  // time waiting on spawned servers and I/O, so two workers cut the run from about 7 to about 5 minutes.
  maxWorkers: 2,
};
