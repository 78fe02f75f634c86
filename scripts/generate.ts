/**
 * Synthetic practice generator (issue 9): a deterministic practice of mostly 65+ patients with chronic
 * conditions at realistic prevalence, written as FHIR transaction Bundles (one per patient) and NDJSON,
 * with CCM consents, care plans and time entries for a share of the patients.
 *
 *   npm run generate -- --patients 1000 --seed 1 --out /tmp/practice [--ccm-share 0.3] [--months 3]
 *                       [--end-month YYYY-MM] [--no-ndjson] [--claim-profiles] [--force]
 */
import { parseArgs } from 'node:util';
import { currentMonth } from './generate/context.js';
import { formatMonth, parseMonth } from './generate/dates.js';
import { generatePractice } from './generate/run.js';

const USAGE =
  'usage: npm run generate -- --patients N --seed S --out DIR [--ccm-share 0.3] [--months 3] ' +
  '[--end-month YYYY-MM] [--no-ndjson] [--claim-profiles] [--force]';

function number(name: string, raw: string, min: number, max: number, integer: boolean): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new Error(
      `--${name} ${raw}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  }
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'ccm-share': { type: 'string', default: '0.3' },
      months: { type: 'string', default: '3' },
      'end-month': { type: 'string' },
      'no-ndjson': { type: 'boolean', default: false },
      'claim-profiles': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const endMonth = values['end-month'] ? parseMonth(values['end-month']) : currentMonth();
  const opts = {
    patients: number('patients', values.patients, 1, 10_000_000, true),
    seed: number('seed', values.seed, 0, 2 ** 31 - 1, true),
    ccmShare: number('ccm-share', values['ccm-share'], 0, 1, false),
    months: number('months', values.months, 1, 36, true),
    endMonth,
    claimProfiles: values['claim-profiles'],
  };
  const summary = await generatePractice(opts, values.out, {
    ndjson: !values['no-ndjson'],
    force: values.force,
    now: values['end-month'] ? null : Date.now(),
    onProgress: (n) => {
      if (n % 10_000 === 0) process.stderr.write(`  ${n} patients\n`);
    },
  });
  const rate = Math.round(summary.resources / summary.seconds);
  process.stdout.write(
    `generated ${summary.patients} patients (${summary.ccmPatients} in CCM), ${summary.resources} resources ` +
      `in ${summary.seconds.toFixed(1)} s (${rate} resources/s, ${Math.round(summary.patients / summary.seconds)} patients/s)\n` +
      `  end month ${formatMonth(endMonth)}, seed ${opts.seed}, output ${values.out}\n` +
      Object.entries(summary.byType)
        .map(([t, n]) => `  ${t.padEnd(22)} ${String(n).padStart(10)}\n`)
        .join(''),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
