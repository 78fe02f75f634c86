/**
 * The table of extended operations (R4 operations.html): each `$name` declares the levels it runs at
 * (system, type, instance), the types it applies to and its handler. The router dispatches `$` segments
 * here; the CapabilityStatement lists what is registered. Modules register their operations in createApp.
 */
import type { OperationDefinition } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { methodNotAllowed, notFound } from './outcomes.js';
import type { FhirServices } from './services.js';

export type OperationLevel = 'system' | 'type' | 'instance';

/** What an operation handler receives. */
export interface OperationCall {
  services: FhirServices;
  req: FhirRequest;
  level: OperationLevel;
  type?: string;
  id?: string;
}

/** One registered operation. */
export interface OperationSpec {
  /** Name without the `$`. */
  name: string;
  levels: OperationLevel[];
  /** Resource types at type/instance level; undefined = every type. */
  types?: string[];
  /** HTTP methods accepted (GET only for operations that do not change anything). */
  methods: Array<'GET' | 'POST' | 'DELETE'>;
  /** Canonical URL of its OperationDefinition, for the CapabilityStatement. */
  definition?: string;
  /** How the server runs it (CapabilityStatement `operation.documentation`). */
  documentation?: string;
  /** The OperationDefinition resource itself, when the server defines the operation. */
  operationDefinition?: OperationDefinition;
  handler(call: OperationCall): Promise<FhirResponse>;
}

/** The registered operations. */
export class OperationRegistry {
  private readonly specs = new Map<string, OperationSpec>();

  /** Adds an operation; a name registered twice is a programming error. */
  register(spec: OperationSpec): void {
    if (this.specs.has(spec.name)) throw new Error(`operation $${spec.name} registered twice`);
    this.specs.set(spec.name, spec);
  }

  /** Every registered operation. */
  all(): OperationSpec[] {
    return [...this.specs.values()];
  }

  /** Runs `$name` at a level; 404 when it is not defined there, 405 for another method. */
  async invoke(call: OperationCall, segment: string): Promise<FhirResponse> {
    const name = segment.slice(1);
    const spec = this.specs.get(name);
    const typeOk = (t?: string) => !spec?.types || (t !== undefined && spec.types.includes(t));
    if (!spec || !spec.levels.includes(call.level) || (call.level !== 'system' && !typeOk(call.type))) {
      const where =
        call.level === 'system'
          ? 'the system'
          : call.level === 'type'
            ? call.type
            : `a ${call.type} instance`;
      throw notFound(`Operation ${segment.slice(0, 64)} is not defined on ${where}`);
    }
    if (!(spec.methods as string[]).includes(call.req.method)) {
      throw methodNotAllowed(`$${name} accepts ${spec.methods.join(', ')}`);
    }
    return spec.handler(call);
  }
}
