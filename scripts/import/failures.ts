/** Describes a failed request from the server's OperationOutcome, naming the entry it blames. */
import type { OperationOutcome } from 'fhir/r4.js';
import type { Unit } from './units.js';

/** One import error, for the summary. */
export interface ImportError {
  file: string;
  /** "entry 3 (Observation)" or "line 17", when known. */
  at?: string;
  status?: number;
  message: string;
}

interface ClientError {
  response?: { status?: number; data?: unknown };
  message?: string;
  cause?: { code?: string; message?: string };
}

/** The error of a failed transaction request, with the entry the OperationOutcome names. */
export function describeFailure(file: string, unit: Unit, err: unknown): ImportError {
  const e = (err ?? {}) as ClientError;
  const status = e.response?.status;
  const oo = e.response?.data as OperationOutcome | undefined;
  const first = oo?.resourceType === 'OperationOutcome' ? oo.issue?.[0] : undefined;
  if (!first) {
    const why = e.cause?.message ?? e.message ?? String(err);
    return { file, status, message: status ? `HTTP ${status}: ${why}` : why };
  }
  const text = [first.diagnostics, ...(first.expression ?? [])].join(' ');
  const m = /Bundle\.entry\[(\d+)\]/.exec(text);
  const message = (first.diagnostics ?? first.code).replace(/^Bundle\.entry\[\d+\]:\s*/, '');
  const at = m ? unit.where(Number(m[1])) : undefined;
  return {
    file,
    at,
    status,
    message: status === 413 ? `${message} (not loaded: split the file or raise the server's limit)` : message,
  };
}

/** One line of text for an error. */
export function formatError(e: ImportError): string {
  return `${e.file}${e.at ? `: ${e.at}` : ''}: ${e.status ? `${e.status} ` : ''}${e.message}`;
}
