/** Bulk export runner settings from the configuration: files under DATA_DIR/bulk, expiry from BULK_EXPIRY_SECONDS. */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BulkSettings } from './runner.js';

/** The runner settings for a configuration; without a data directory (tests) files go to a temporary one. */
export function bulkSettings(config: { dataDir?: string; bulkExpirySeconds?: number }): BulkSettings {
  const expiryMs = (config.bulkExpirySeconds ?? 3600) * 1000;
  const root = config.dataDir ?? path.join(tmpdir(), `ccm-fhir-${process.pid}-${randomUUID().slice(0, 8)}`);
  return {
    dir: path.join(root, 'bulk'),
    expiryMs,
    pollMs: 1000,
    leaseMs: 30000,
    sweepMs: Math.max(1000, Math.min(60000, Math.floor(expiryMs / 2))),
  };
}
