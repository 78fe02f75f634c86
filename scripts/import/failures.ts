/** Describes a failed request from the server's OperationOutcome, naming the entry it blames. */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import type { Unit } from './units.js';

/** One import error, for the summary. */
export interface ImportError {
  file: string;
  /** "entry 3 (Observation)" or "line 17", when known. */
  at?: string;
  /** The Bundle entry index the server blamed (0-based), when it named one. */
  entry?: number;
  status?: number;
  /** The diagnostics of the OperationOutcome's first error (or the failure itself). */
  message: string;
  /** FHIRPath expressions of that issue. */
  expression?: string[];
  /** Requests sent for it, when more than one (transient failures are retried). */
  attempts?: number;
}

interface ClientError {
  response?: { status?: number; data?: unknown };
  attempts?: number;
  message?: string;
  cause?: { code?: string; message?: string };
}

/** The issue that explains a failure: the first error or fatal one (warnings may come before it). */
function blamed(oo: OperationOutcome): OperationOutcomeIssue | undefined {
  const issues = oo.issue ?? [];
  return issues.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? issues[0];
}

/** The error of a failed transaction request, with the entry the OperationOutcome names. */
export function describeFailure(file: string, unit: Unit, err: unknown): ImportError {
  const e = (err ?? {}) as ClientError;
  const status = e.response?.status;
  const attempts = typeof e.attempts === 'number' && e.attempts > 1 ? { attempts: e.attempts } : {};
  const oo = e.response?.data as OperationOutcome | undefined;
  const first = oo?.resourceType === 'OperationOutcome' ? blamed(oo) : undefined;
  if (!first) {
    const why = e.cause?.message ?? e.message ?? String(err);
    return { file, status, message: status ? `HTTP ${status}: ${why}` : why, ...attempts };
  }
  const text = [first.diagnostics, ...(first.expression ?? [])].join(' ');
  const m = /Bundle\.entry\[(\d+)\]/.exec(text);
  const message = (first.diagnostics ?? first.code).replace(/^Bundle\.entry\[\d+\]:\s*/, '');
  return {
    file,
    ...(m ? { at: unit.where(Number(m[1])), entry: Number(m[1]) } : {}),
    status,
    message: status === 413 ? `${message} (not loaded: split the file or raise the server's limit)` : message,
    ...(first.expression?.length ? { expression: first.expression } : {}),
    ...attempts,
  };
}

/** One line of text for an error. */
export function formatError(e: ImportError): string {
  const where = e.expression?.length ? ` [${e.expression.join(', ')}]` : '';
  const tries = e.attempts ? ` (${e.attempts} attempts)` : '';
  return `${e.file}${e.at ? `: ${e.at}` : ''}: ${e.status ? `${e.status} ` : ''}${e.message}${where}${tries}`;
}
