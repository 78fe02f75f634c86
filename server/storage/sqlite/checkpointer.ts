/**
 * WAL checkpoints off the event loop. The writer runs with `wal_autocheckpoint = 0`: a checkpoint copies
 * the log's pages into the database file and fsyncs it, which on the writer would stall every request for
 * as long. A worker thread with a connection of its own runs PASSIVE checkpoints (they never block readers
 * or the writer) every CHECKPOINT_EVERY_MS while the log has grown, so the log stays small.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** How often the worker looks at the log. */
const CHECKPOINT_EVERY_MS = 250;

/** The worker's code (CommonJS, evaluated in the worker thread). */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
let checkpoints = 0;
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.checkpointed > 0) checkpoints++;
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
}, workerData.every);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.close(); } finally { parentPort.postMessage({ stopped: true, checkpoints }); }
});
`;

/** A running checkpointer; `stop` ends it (before the writer's final checkpoint at close). */
export class Checkpointer {
  private constructor(private readonly worker: Worker) {}

  /** Starts checkpointing `file` (a WAL-mode database) in a worker thread. */
  static start(file: string, onError: (message: string) => void): Checkpointer {
    const driver = fileURLToPath(import.meta.resolve('better-sqlite3'));
    const worker = new Worker(SOURCE, {
      eval: true,
      workerData: { file, driver, every: CHECKPOINT_EVERY_MS },
    });
    worker.on('message', (m: { error?: string }) => {
      if (m.error) onError(m.error);
    });
    worker.on('error', (err) => onError(err.message));
    worker.unref();
    return new Checkpointer(worker);
  }

  /** Stops the worker and waits for it to close its connection. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      this.worker.once('message', done);
      this.worker.once('exit', done);
      // referenced again while it stops: nothing else may be keeping the process alive (a script's last await)
      this.worker.ref();
      this.worker.postMessage('stop');
    });
    await this.worker.terminate();
  }
}
