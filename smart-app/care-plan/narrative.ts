/**
 * CarePlan.text: the plan in human-readable XHTML (R4 narrative.html), every value escaped.
 */
import type { PlanDraft } from './template-types.js';

/** Escapes text for XHTML. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A titled list, or nothing when empty. */
function list(title: string, items: string[]): string {
  if (items.length === 0) return '';
  return `<p><b>${esc(title)}</b></p><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

/** The narrative div of a plan; `names` gives display names of conditions (by id) and people (by reference). */
export function planNarrative(d: PlanDraft, names: (key: string) => string): string {
  const who = (owner: string) => ` (responsible: ${names(owner)})`;
  const due = (date: string) => (date ? ` by ${date}` : '');
  const parts = [
    '<p><b>Comprehensive chronic care management plan</b></p>',
    list('Problem list', d.addresses.map(names)),
    d.prognosis ? `<p><b>Expected outcome and prognosis</b>: ${esc(d.prognosis)}</p>` : '',
    list(
      'Goals',
      d.goals.map((g) => `${g.description}${due(g.due)}`),
    ),
    list(
      'Symptom management',
      d.symptoms.map((a) => `${a.text}${who(a.owner)}`),
    ),
    list(
      'Interventions',
      d.interventions.map((a) => `${a.text}${due(a.due)}${who(a.owner)}`),
    ),
    d.medication.text
      ? `<p><b>Medication management</b>: ${esc(d.medication.text + who(d.medication.owner))}</p>`
      : '',
    list(
      'Community resources',
      d.resources.map((a) => `${a.text}${who(a.owner)}`),
    ),
    `<p><b>Review</b>: ${esc(d.reviewSchedule || 'as needed')}; next review ${esc(d.nextReview)}</p>`,
  ];
  return `<div xmlns="http://www.w3.org/1999/xhtml">${parts.join('')}</div>`;
}
