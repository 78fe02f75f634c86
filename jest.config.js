import { createDefaultEsmPreset } from 'ts-jest';

/** Jest runs the TypeScript sources as ESM through ts-jest (type checking is `tsc --noEmit`). */
export default {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
};
