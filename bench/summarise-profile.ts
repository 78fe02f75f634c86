/**
 * Prints the summary of a `.cpuprofile` (self time by module and function, inclusive time of server
 * functions), optionally only from `--from-ms` after the profile started.
 *
 *   npx tsx bench/summarise-profile.ts FILE [--rows 25] [--from-ms 0] [--to-ms Infinity]
 */
import { parseArgs } from 'node:util';
import { summariseProfile, type ProfileRow } from './support/cpu-profile.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string', default: '25' },
    'from-ms': { type: 'string', default: '0' },
    'to-ms': { type: 'string', default: 'Infinity' },
  },
});
const s = summariseProfile(
  positionals[0],
  Number(values.rows),
  Number(values['from-ms']),
  Number(values['to-ms']),
);
const table = (title: string, rows: ProfileRow[]) =>
  `\n${title}\n${rows.map((r) => `${String(r.percent).padStart(5)} % ${String(r.ms).padStart(6)} ms  ${r.name}`).join('\n')}\n`;
process.stdout.write(
  `total ${s.totalMs} ms, idle ${s.idlePercent} %, GC ${s.gcPercent} %` +
    table('self by module', s.selfByModule) +
    table('self by function', s.selfByFunction) +
    table('inclusive (server)', s.inclusiveProjectFunctions),
);
