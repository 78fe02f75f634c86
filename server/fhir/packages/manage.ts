/**
 * What `npm run ig` does (scripts/ig.ts), callable from tests: list the FHIR packages the server loads, and
 * add a package file to the folder the server reads them from (IG_PACKAGES_DIR when set, else packages/),
 * after checking it is a FHIR R4 package with a manifest and that the same name and version is not there.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  checkR4,
  PackageError,
  packageDirs,
  PackageSet,
  PACKAGES_DIR,
  readManifest,
  type PackageInfo,
} from './package-set.js';

/** The packages the server would load. */
export function listPackages(igPackagesDir: string | undefined): PackageInfo[] {
  return PackageSet.open(packageDirs(igPackagesDir)).packages;
}

/** Adds `file` to the package folder; returns what was added and where. Throws PackageError saying why not. */
export function addPackage(file: string, igPackagesDir: string | undefined): PackageInfo {
  if (!existsSync(file)) throw new PackageError(file, 'no such file');
  const manifest = readManifest(file);
  checkR4(file, manifest);
  const { name, version } = manifest.info;
  const present = listPackages(igPackagesDir).find((p) => p.name === name && p.version === version);
  if (present) throw new PackageError(file, `${name}#${version} is already loaded from ${present.file}`);
  const dir = igPackagesDir ? path.resolve(igPackagesDir) : PACKAGES_DIR;
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${name}-${version}.tgz`);
  copyFileSync(file, target);
  return { ...manifest.info, file: target };
}
