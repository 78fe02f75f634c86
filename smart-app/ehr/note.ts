/**
 * The monthly CCM summary note (#18 "Write-back"): minutes by person and activity, care-plan changes,
 * consent status and the codes met, as plain text and as HTML, wrapped in a DocumentReference (both as
 * base64 attachments). The copy kept in ccm-fhir and the copy sent to the EHR differ only in their subject
 * and author (each server's own ids). Pure functions; the screen is screens/note.ts.
 */
import { createHash } from 'node:crypto';
import type { DocumentReference, Identifier } from 'fhir/r4.js';

/** One row of minutes: who, doing what, how long. */
export interface MinutesRow {
  who: string;
  activity: string;
  seconds: number;
}

/** What the note says. */
export interface NoteFacts {
  month: string;
  patientName: string;
  rows: MinutesRow[];
  countedSeconds: number;
  /** Codes met this month (`99490`, `99439 x2`), or empty. */
  codes: string[];
  /** Without codes: the billing gates not passed yet. */
  gaps?: string[];
  /** Progress toward the next threshold, in words. */
  progress?: string;
  consent: string;
  planChanges: string[];
  /** Who wrote the note and when (practice time). */
  author: string;
  written: string;
}

/** Minutes of seconds, rounded down (billing counts full minutes). */
function minutes(seconds: number): number {
  return Math.floor(seconds / 60);
}

/** Minutes summed per person and activity, largest first. */
export function minutesByPersonAndActivity(rows: MinutesRow[]): MinutesRow[] {
  const sums = new Map<string, MinutesRow>();
  for (const r of rows) {
    const key = `${r.who}\u0000${r.activity}`;
    const have = sums.get(key);
    if (have) have.seconds += r.seconds;
    else sums.set(key, { ...r });
  }
  return [...sums.values()].sort((a, b) => b.seconds - a.seconds || a.who.localeCompare(b.who));
}

/** The codes met, or why none is yet. */
function codesWords(f: NoteFacts): string {
  if (f.codes.length) return f.codes.join(', ');
  return f.gaps?.length ? `none yet (billing gates not passed: ${f.gaps.join('; ')})` : 'none yet';
}

/** The note as plain text. */
export function noteText(f: NoteFacts): string {
  const lines = [
    `Chronic Care Management summary, ${f.month}`,
    `Patient: ${f.patientName}`,
    '',
    'Minutes by person and activity:',
    ...(f.rows.length
      ? minutesByPersonAndActivity(f.rows).map((r) => `- ${r.who}, ${r.activity}: ${minutes(r.seconds)} min`)
      : ['- none recorded']),
    `Total counted toward CCM: ${minutes(f.countedSeconds)} min`,
    '',
    `Codes met: ${codesWords(f)}`,
    ...(f.progress ? [`Progress: ${f.progress}`] : []),
    '',
    `Consent: ${f.consent}`,
    '',
    'Care plan changes this month:',
    ...(f.planChanges.length ? f.planChanges.map((c) => `- ${c}`) : ['- none']),
    '',
    `Written by ${f.author} on ${f.written}.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** HTML-escapes text. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The note as a small HTML document (no script, no external resource). */
export function noteHtml(f: NoteFacts): string {
  const li = (xs: string[]) => xs.map((x) => `<li>${esc(x)}</li>`).join('');
  const rows = minutesByPersonAndActivity(f.rows)
    .map((r) => `<tr><td>${esc(r.who)}</td><td>${esc(r.activity)}</td><td>${minutes(r.seconds)}</td></tr>`)
    .join('');
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>CCM summary ${esc(f.month)}</title></head><body>`,
    `<h1>Chronic Care Management summary, ${esc(f.month)}</h1>`,
    `<p>Patient: ${esc(f.patientName)}</p>`,
    '<h2>Minutes by person and activity</h2>',
    rows
      ? `<table><thead><tr><th>Person</th><th>Activity</th><th>Minutes</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p>None recorded.</p>',
    `<p>Total counted toward CCM: ${minutes(f.countedSeconds)} min</p>`,
    `<h2>Codes met</h2><p>${esc(codesWords(f))}</p>`,
    f.progress ? `<p>Progress: ${esc(f.progress)}</p>` : '',
    `<h2>Consent</h2><p>${esc(f.consent)}</p>`,
    `<h2>Care plan changes this month</h2><ul>${li(f.planChanges.length ? f.planChanges : ['None'])}</ul>`,
    `<p>Written by ${esc(f.author)} on ${esc(f.written)}.</p>`,
    '</body></html>',
  ].join('\n');
}

/** The identifier system of the notes the app writes. */
export const NOTE_SYSTEM = 'http://ccm-fhir.org/fhir/sid/ccm-month-note';

/** The note's identifier: the patient (as ccm-fhir knows it), the month and a digest of its text. */
export function noteIdentifier(patientId: string, month: string, text: string): Identifier {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { system: NOTE_SYSTEM, value: `${patientId}-${month}-${digest}` };
}

/** The DocumentReference of a note for one server (its own patient and author references). */
export function noteDocument(n: {
  text: string;
  html: string;
  month: string;
  subject: string;
  author?: string;
  identifier: Identifier;
  period: { start: string; end: string };
  now: Date;
}): DocumentReference {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const title = `CCM summary ${n.month}`;
  return {
    resourceType: 'DocumentReference',
    identifier: [n.identifier],
    status: 'current',
    docStatus: 'final',
    type: {
      coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }],
      text: 'Chronic Care Management monthly summary',
    },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
            display: 'Clinical Note',
          },
        ],
      },
    ],
    subject: { reference: n.subject },
    date: n.now.toISOString(),
    ...(n.author ? { author: [{ reference: n.author }] } : {}),
    description: title,
    content: [
      { attachment: { contentType: 'text/plain; charset=utf-8', language: 'en', data: b64(n.text), title } },
      { attachment: { contentType: 'text/html; charset=utf-8', language: 'en', data: b64(n.html), title } },
    ],
    context: { period: n.period },
  };
}

/**
 * Whether a token's scopes grant creating a resource type (SMART App Launch 2.2 scopes-and-launch-context:
 * v1 `write`/`*`, v2 `c`), for any of the patient, user or system contexts.
 */
export function scopeGrantsCreate(scope: string | undefined, type: string): boolean {
  return (scope ?? '').split(/\s+/).some((s) => {
    const m = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(s);
    if (!m || (m[2] !== '*' && m[2] !== type)) return false;
    const perm = m[3];
    return perm === 'write' || perm === '*' || (/^c?r?u?d?s?$/.test(perm) && perm.includes('c'));
  });
}
