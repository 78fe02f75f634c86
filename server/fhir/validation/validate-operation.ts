/**
 * $validate at type and instance level (R4 resource-operation-validate.html): the resource comes as the
 * `resource` parameter of a Parameters body, as the body itself, or (GET at instance level) from the store;
 * `profile` names a profile to check as well; `mode` create | update | delete | profile adds the checks of
 * that interaction. The reply is an OperationOutcome with 200 whenever the validation itself ran.
 */
import type { OperationOutcomeIssue, Resource } from 'fhir/r4.js';
import type { OperationCall, OperationSpec } from '../operations.js';
import { badRequest, issue, operationOutcome } from '../outcomes.js';
import type { FhirResponse } from '../request.js';
import { operationDefinition } from '../terminology/operation-definitions.js';
import { storedResource } from '../terminology/operations.js';
import { isParameters, operationInput } from '../terminology/parameters.js';
import type { ResourceValidator } from './resource-validator.js';

const MODES = ['create', 'update', 'delete', 'profile'];

/** Resource/$validate with profile and mode. */
export const validateDefinition = operationDefinition(
  {
    id: 'Resource-validate',
    name: 'Validate',
    title: 'Validate a resource against base R4 and profiles',
    code: 'validate',
    resource: ['Resource'],
    type: true,
    instance: true,
    description:
      'Checks a resource against base R4, the profiles in its meta.profile and the profile parameter, and for mode update or delete whether the server would accept that interaction.',
    base: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  },
  [
    ['resource', 'in', 0, '1', 'Resource', 'The resource (required unless mode is delete)'],
    ['mode', 'in', 0, '1', 'code', 'create | update | delete | profile'],
    ['profile', 'in', 0, '1', 'canonical', 'A profile to validate against as well'],
    [
      'return',
      'out',
      1,
      '1',
      'OperationOutcome',
      'All issues found; one informational issue when there are none',
    ],
  ],
);

function reply(issues: OperationOutcomeIssue[], success: string): FhirResponse {
  const list = issues.length > 0 ? issues : [issue('informational', success, undefined, 'information')];
  return { status: 200, headers: {}, body: operationOutcome(list) };
}

/** The resource to validate: `resource` parameter, the body itself, or the stored instance (GET). */
async function resourceOf(call: OperationCall): Promise<unknown> {
  const body = call.req.body;
  if (body !== undefined && !(isParameters(body) && call.type !== 'Parameters')) return body;
  const param = isParameters(body) ? body.parameter?.find((p) => p.name === 'resource')?.resource : undefined;
  if (param) return param;
  if (call.level === 'instance' && body === undefined)
    return storedResource(call.services, call.type as string, call.id as string);
  throw badRequest(
    'Give the resource to validate (the resource parameter or the body)',
    'resource',
    'required',
  );
}

async function runValidate(call: OperationCall, validator: ResourceValidator): Promise<FhirResponse> {
  const body = call.req.body;
  const input = operationInput({
    ...call.req,
    body: isParameters(body) && call.type !== 'Parameters' ? body : undefined,
  });
  const mode = input.text('mode');
  const profile = input.text('profile');
  if (mode !== undefined && !MODES.includes(mode))
    throw badRequest(`mode must be one of ${MODES.join(', ')}`, 'mode', 'code-invalid');
  if ((mode === 'update' || mode === 'delete') && call.level !== 'instance') {
    throw badRequest(`mode ${mode} needs the instance level ([type]/[id]/$validate)`, 'mode', 'invalid');
  }
  if (mode === 'profile' && !profile)
    throw badRequest('mode profile needs the profile parameter', 'profile', 'required');
  if (mode === 'delete') {
    await storedResource(call.services, call.type as string, call.id as string);
    return reply([], `${call.type}/${call.id} can be deleted`);
  }
  const resource = await resourceOf(call);
  const issues = validator.validate(resource, {
    expectedType: call.type,
    profiles: profile ? [profile] : [],
  });
  const id = (resource as Resource | undefined)?.id;
  if (mode === 'update' && id !== call.id) {
    issues.push(
      issue(
        'invalid',
        `The resource's id ${JSON.stringify(id)} does not match the URL's id ${call.id}`,
        `${call.type}.id`,
      ),
    );
  }
  return reply(issues, 'No issues found');
}

/** The $validate operation over a resource validator. */
export function validateOperation(validator: ResourceValidator): OperationSpec {
  return {
    name: 'validate',
    levels: ['type', 'instance'],
    methods: ['GET', 'POST'],
    definition: validateDefinition.url,
    operationDefinition: validateDefinition,
    handler: (call) => runValidate(call, validator),
  };
}
