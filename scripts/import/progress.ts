/** The import's progress bar (files, resources, rate, errors) on a terminal; nothing when not a TTY. */
import cliProgress from 'cli-progress';

/** Counters the bar shows. */
export interface Progress {
  filesDone: number;
  resources: number;
  errors: number;
}

/** A progress display; `update` is cheap enough to call after every request. */
export interface ProgressView {
  update(p: Progress): void;
  stop(): void;
}

/** A cli-progress bar on stderr when it is a terminal (or `force`), otherwise a no-op. */
export function progressBar(totalFiles: number, started: number, force = false): ProgressView {
  if (!process.stderr.isTTY && !force) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format:
        'files {bar} {value}/{total} | {resources} resources | {rate} resources/s | {errors} errors | {duration_formatted}',
      hideCursor: true,
      noTTYOutput: force,
      stream: process.stderr,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalFiles, 0, { resources: 0, rate: 0, errors: 0 });
  return {
    update: (p) => {
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(p.filesDone, {
        resources: p.resources,
        rate: Math.round(p.resources / secs),
        errors: p.errors,
      });
    },
    stop: () => bar.stop(),
  };
}
