/**
 * Conditions and eligibility: the patient's active conditions with the engine's suggestion (chronic group,
 * "ask the clinician", not chronic), the clinician's attestation per condition (expected to last 12 months
 * or more, places the patient at significant risk; written as a Condition update under ccm-condition), and
 * the CCM eligibility with a reason per unmet requirement (`$ccm-eligibility` when offered, else the
 * engine in the app).
 */
import type { Request, Response } from 'express';
import type { Condition, Parameters } from 'fhir/r4.js';
import { FhirWriteError, type MountScreen, type ScreenDeps } from '../context.js';
import { buildRecord, loadPatientResources, localEligibility, suggestionOf } from '../ccm/patient-record.js';
import { attestedCondition, localDateTime } from '../ccm/resources.js';
import { writeRecorded } from '../ccm/recorded-write.js';
import { eligibilityFromEngine, eligibilityFromParameters } from '../ccm/view-model.js';
import { EXTENSION } from '../../server/ccm/vocabulary.js';
import { field, writeErrorView, type WriteErrorView } from './write-errors.js';

const ACTIVE = new Set(['active', 'recurrence', 'relapse']);
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The attestation recorded on a Condition, if any. */
function attestationOf(c: Condition) {
  const ext = (c.extension ?? []).find((e) => e.url === EXTENSION.chronicAttestation);
  if (!ext) return undefined;
  const sub = (n: string) => ext.extension?.find((e) => e.url === n);
  return {
    expectedDuration: sub('expectedDuration')?.valueBoolean === true,
    significantRisk: sub('significantRisk')?.valueBoolean === true,
    on: sub('attestedOn')?.valueDateTime?.slice(0, 10),
    by: sub('attestedBy')?.valueReference?.reference,
  };
}

/** One row of the conditions table. */
function rowOf(c: Condition, failed?: { id: string; error: WriteErrorView; input: Record<string, boolean> }) {
  const s = suggestionOf(c);
  const att = attestationOf(c);
  const codes = (c.code?.coding ?? [])
    .map((x) => x.code)
    .filter(Boolean)
    .join(', ');
  const mine = failed?.id === c.id ? failed : undefined;
  return {
    id: c.id,
    name: c.code?.text ?? c.code?.coding?.[0]?.display ?? codes,
    codes,
    suggestion: s
      ? !s.ccmGroup || s.chronic === 'no'
        ? `Not a CCM chronic condition (${s.group})`
        : s.chronic === 'ask'
          ? `Ask the clinician (${s.group})`
          : `Chronic: ${s.group}`
      : 'Unknown code: ask the clinician',
    attestation: att,
    expectedDuration: mine ? mine.input.expectedDuration : (att?.expectedDuration ?? false),
    significantRisk: mine ? mine.input.significantRisk : (att?.significantRisk ?? false),
    writeError: mine?.error,
  };
}

/** Renders the screen (status 200, or 422 with a refused attestation kept in its row). */
async function show(
  deps: ScreenDeps,
  req: Request,
  res: Response,
  failed?: { id: string; error: WriteErrorView; input: Record<string, boolean> },
) {
  const ctx = deps.launch(req);
  const api = deps.fhir(req);
  const resources = await loadPatientResources(api, ctx.patientId);
  const offered = await api.operation<Parameters>(`Patient/${ctx.patientId}/$ccm-eligibility`);
  const eligibility = offered
    ? eligibilityFromParameters(offered)
    : eligibilityFromEngine(
        localEligibility(buildRecord(ctx.patientId, resources, deps.timeZone), deps.timeZone, deps.now()),
      );
  const rows = resources.conditions
    .filter((c) => ACTIVE.has(c.clinicalStatus?.coding?.[0]?.code ?? ''))
    .map((c) => rowOf(c, failed));
  await deps.render(req, res, 'conditions', {
    title: 'Conditions and eligibility',
    status: failed ? 422 : 200,
    rows,
    eligibility,
    canAttest: /^(Practitioner|PractitionerRole)\//.test(ctx.fhirUser ?? ''),
  });
}

/** POST /conditions/:id/attest: writes the attestation, or shows the refusal with the input kept. */
async function attest(deps: ScreenDeps, req: Request, res: Response) {
  const ctx = deps.launch(req);
  const id = String(req.params.id);
  if (!ID.test(id)) return void res.status(400).end();
  const input = {
    expectedDuration: field(req.body, 'expectedDuration') === 'yes',
    significantRisk: field(req.body, 'significantRisk') === 'yes',
  };
  const api = deps.fhir(req);
  try {
    if (!/^(Practitioner|PractitionerRole)\//.test(ctx.fhirUser ?? ''))
      throw new FhirWriteError(403, {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'forbidden',
            diagnostics: 'Only a practitioner can attest: sign in to the EHR as a practitioner.',
          },
        ],
      });
    const current = await api.read<Condition>('Condition', id);
    const updated = attestedCondition(current, {
      ...input,
      by: ctx.fhirUser as string,
      at: localDateTime(deps.now().getTime(), deps.timeZone),
    });
    await writeRecorded(api, {
      resource: updated,
      versionId: current.meta?.versionId,
      who: ctx.fhirUser,
      ...(ctx.twoServers ? { patient: `Patient/${ctx.patientId}` } : {}),
      now: deps.now(),
      reason: 'CCM chronic condition attestation',
    });
    const name = current.code?.text ?? current.code?.coding?.[0]?.display ?? id;
    deps.flash(req, { kind: 'success', text: `Attestation saved for ${name}.` });
    res.redirect(303, `/app/p/${ctx.key}/conditions#condition-${id}`);
  } catch (err) {
    await show(deps, req, res, { id, error: writeErrorView(err), input });
  }
}

/** Mounts `/conditions` and `/conditions/:id/attest`. */
export const mountConditions: MountScreen = (router, deps) => {
  router.get('/conditions', (req, res, next) => show(deps, req, res).catch(next));
  router.post('/conditions/:id/attest', (req, res, next) => attest(deps, req, res).catch(next));
};
