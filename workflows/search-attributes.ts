/**
 * Typed search attributes set by the approval workflow, so that Temporal's visibility can answer "which processes
 * of this kind, in this unit, are waiting on whom, and when are they due" without the database. They must be
 * registered with the server: the dev server gets them as `--search-attribute` flags (infra/temporal.ts); a
 * production namespace with `temporal operator search-attribute create` (README).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ProcessKind = defineSearchAttributeKey('ProcessKind', SearchAttributeType.KEYWORD);
export const ProcessOrganisation = defineSearchAttributeKey(
  'ProcessOrganisation',
  SearchAttributeType.KEYWORD,
);
export const ProcessJurisdiction = defineSearchAttributeKey(
  'ProcessJurisdiction',
  SearchAttributeType.KEYWORD,
);
export const ProcessStatus = defineSearchAttributeKey('ProcessStatus', SearchAttributeType.KEYWORD);
export const ProcessStep = defineSearchAttributeKey('ProcessStep', SearchAttributeType.KEYWORD);
export const CurrentAssignees = defineSearchAttributeKey(
  'CurrentAssignees',
  SearchAttributeType.KEYWORD_LIST,
);
export const StepDueAt = defineSearchAttributeKey('StepDueAt', SearchAttributeType.DATETIME);

/** Name → CLI type, for `temporal server start-dev --search-attribute Name=Type`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: Record<string, string> = {
  ProcessKind: 'Keyword',
  ProcessOrganisation: 'Keyword',
  ProcessJurisdiction: 'Keyword',
  ProcessStatus: 'Keyword',
  ProcessStep: 'Keyword',
  CurrentAssignees: 'KeywordList',
  StepDueAt: 'Datetime',
};
