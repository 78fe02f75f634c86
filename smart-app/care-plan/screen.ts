/**
 * The comprehensive care plan screen (ccm-rules.md, gate 3 and "Care plan elements"). Routes, relative to
 * the launch router: GET /care-plan (the current plan, or the builder pre-filled from templates),
 * GET /care-plan/edit (builder; `?template=` applies templates), POST /care-plan (create or revise),
 * GET /care-plan/print (the patient copy), POST /care-plan/handover (record that the copy was given),
 * GET /care-plan/care-plan.css (screen and print styles). FHIR access only through `deps.fhir(req)`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { ConditionClassifier } from '../../server/ccm/classification/classify.js';
import type { FhirWriteError, MountScreen, ScreenDeps } from '../context.js';
import { todayIn } from './dates.js';
import { draftFromPlan, draftFromTemplates } from './draft.js';
import { loadPlanData, NoAuthorError, type PlanData } from './load.js';
import { TEMPLATES, templatesFor } from './templates.js';
import type { PlanDraft, Responsible } from './template-types.js';
import { editView, issuesOf, methodOptions, planView } from './view-model.js';
import { saveHandover, savePlan } from './save.js';

const CSS_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'views',
  'care-plan',
  'care-plan.css',
);

/** The groups of the query's `template` parameters (known templates only), or undefined without any. */
function queryTemplates(req: Request): string[] | undefined {
  const q = req.query.template;
  if (q === undefined) return undefined;
  const list = (Array.isArray(q) ? q : [q]).filter((x): x is string => typeof x === 'string');
  return list.filter((g) => TEMPLATES.has(g));
}

/** The patient's chronic groups that have a template, in the templates' order. */
function patientTemplates(data: PlanData): string[] {
  const groups = new Set(data.problems.filter((p) => p.chronic).map((p) => p.groupId));
  return [...TEMPLATES.keys()].filter((g) => groups.has(g));
}

/** Who each responsible role maps to. */
function owners(data: PlanData): Record<Responsible, string> {
  const of = (role: string) => data.team.find((m) => m.role === role)?.reference;
  const author = data.author;
  return {
    'billing-practitioner': author,
    'care-manager': of('care-manager') ?? author,
    patient: `Patient/${data.patientId}`,
    'care-team': 'CareTeam',
  };
}

/** The draft the builder starts from: the stored plan (plus applied templates), or the templates. */
function startingDraft(data: PlanData, groups: string[], today: string): PlanDraft {
  const fromTemplates = draftFromTemplates(
    templatesFor(groups),
    data.problems.filter((p) => p.chronic).map((p) => p.id),
    owners(data),
    today,
  );
  if (!data.stored) return fromTemplates;
  const d = draftFromPlan(data.stored.plan, data.stored.goals, data.stored.tasks);
  const add = <T extends { text: string }>(have: T[], more: T[]) => [
    ...have,
    ...more.filter((m) => !have.some((h) => h.text === m.text)),
  ];
  const active = new Set(data.problems.map((p) => p.id));
  return {
    ...d,
    addresses: d.addresses.filter((id) => active.has(id)),
    goals: [
      ...d.goals,
      ...fromTemplates.goals.filter((g) => !d.goals.some((h) => h.description === g.description)),
    ],
    symptoms: add(d.symptoms, groups.length ? fromTemplates.symptoms : []),
    interventions: add(d.interventions, groups.length ? fromTemplates.interventions : []),
    resources: add(d.resources, groups.length ? fromTemplates.resources : []),
  };
}

/** Renders the builder. */
async function renderEdit(
  deps: ScreenDeps,
  req: Request,
  res: Response,
  data: PlanData,
  d: PlanDraft,
  extra: { templates: string[]; errors?: string[]; outcome?: FhirWriteError['outcome'] },
): Promise<void> {
  const today = todayIn(deps.now(), deps.timeZone);
  await deps.render(req, res, 'care-plan/edit', {
    ...editView(data, d, { ...extra, today }),
    title: data.stored ? 'Revise the care plan' : 'New care plan',
  });
}

/** Renders the current plan with the hand-over form. */
export async function renderShow(
  deps: ScreenDeps,
  req: Request,
  res: Response,
  data: PlanData,
  form: { method?: string; date?: string; errors?: string[]; outcome?: FhirWriteError['outcome'] } = {},
): Promise<void> {
  const stored = data.stored;
  if (!stored) return res.redirect(`${req.baseUrl}/care-plan`);
  const d = draftFromPlan(stored.plan, stored.goals, stored.tasks);
  await deps.render(req, res, 'care-plan/show', {
    title: 'Care plan',
    plan: planView(data, d, stored.plan, deps.timeZone),
    methods: methodOptions(form.method),
    handoverDate: form.date ?? todayIn(deps.now(), deps.timeZone),
    errors: form.errors ?? [],
    issues: issuesOf(form.outcome),
  });
}

/** Renders the printable patient copy (or goes back to the builder when there is no plan yet). */
async function renderPrint(deps: ScreenDeps, req: Request, res: Response, data: PlanData): Promise<void> {
  if (!data.stored) {
    deps.flash(req, { kind: 'error', text: 'There is no care plan to print yet.' });
    return res.redirect(303, `${req.baseUrl}/care-plan`);
  }
  const d = draftFromPlan(data.stored.plan, data.stored.goals, data.stored.tasks);
  await deps.render(req, res, 'care-plan/print', {
    title: 'Care plan: patient copy',
    plan: planView(data, d, data.stored.plan, deps.timeZone),
    printed: todayIn(deps.now(), deps.timeZone),
  });
}

/** Loads the plan data, or renders why it cannot (no practitioner to author the plan). */
async function load(deps: ScreenDeps, req: Request, res: Response, classifier: ConditionClassifier) {
  try {
    return await loadPlanData(deps.fhir(req), deps.launch(req), classifier, deps.ehr(req));
  } catch (err) {
    if (!(err instanceof NoAuthorError)) throw err;
    res.status(409);
    await deps.render(req, res, 'care-plan/problem', { title: 'Care plan', message: err.message });
    return undefined;
  }
}

/** Mounts the care plan routes on the launch-scoped router. */
export const mountCarePlan: MountScreen = (router, deps) => {
  const classifier = new ConditionClassifier();
  const css = readFileSync(CSS_FILE, 'utf8');
  const today = () => todayIn(deps.now(), deps.timeZone);
  router.get('/care-plan/care-plan.css', (_req, res) => {
    res.type('text/css').send(css);
  });
  router.get('/care-plan', async (req, res) => {
    const data = await load(deps, req, res, classifier);
    if (!data) return;
    if (data.stored) return renderShow(deps, req, res, data);
    const groups = patientTemplates(data);
    await renderEdit(deps, req, res, data, startingDraft(data, groups, today()), { templates: groups });
  });
  router.get('/care-plan/edit', async (req, res) => {
    const data = await load(deps, req, res, classifier);
    if (!data) return;
    const groups = queryTemplates(req) ?? (data.stored ? [] : patientTemplates(data));
    await renderEdit(deps, req, res, data, startingDraft(data, groups, today()), { templates: groups });
  });
  router.post('/care-plan', async (req, res) => {
    const data = await load(deps, req, res, classifier);
    if (!data) return;
    const out = await savePlan(deps, req, data);
    if (out.ok) {
      deps.flash(req, { kind: 'success', text: out.message });
      return res.redirect(303, `${req.baseUrl}/care-plan`);
    }
    res.status(out.status);
    await renderEdit(deps, req, res, data, out.draft, {
      templates: [],
      errors: out.errors,
      outcome: out.outcome,
    });
  });
  router.get('/care-plan/print', async (req, res) => {
    const data = await load(deps, req, res, classifier);
    if (data) await renderPrint(deps, req, res, data);
  });
  router.post('/care-plan/handover', async (req, res) => {
    const data = await load(deps, req, res, classifier);
    if (!data) return;
    const out = await saveHandover(deps, req, data);
    if (out.ok) {
      deps.flash(req, { kind: 'success', text: out.message });
      return res.redirect(303, `${req.baseUrl}/care-plan`);
    }
    res.status(out.status);
    await renderShow(deps, req, res, data, out);
  });
};
