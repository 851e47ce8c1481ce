/**
 * Issue 19 (LM-10): messages of the legacy conversion workflow, shared by the workflow and the API: its id from the
 * job (one workflow per conversion job, never one per row), its input and its result. Its progress is not asked of
 * it: the page reads the job's committed counts (api/services/licence-conversion.ts).
 */

export function licenceConversionWorkflowId(jobId: string): string {
  return `conversion-${jobId}`;
}

export interface LicenceConversionInput {
  jobId: string;
  /** When the conversion started (ms since the epoch), for the rate and the time left. */
  startedAtMs: number;
}

export interface LicenceConversionState {
  status: 'running' | 'completed' | 'failed';
  totalRows: number;
  doneRows: number;
  converted: number;
  alreadyConverted: number;
  rejected: number;
  startedAtMs: number;
  finishedAtMs: number | null;
  failureReason: string | null;
}
