/**
 * Force majeure (LM-11): an issuing unit whose system fails reports an incident to its management unit (what
 * failed, since when, which licence types are affected, the emergency measures taken). While it is open, the
 * unit's LM-9 lateness for those types is recorded as excused; once the unit reports the fault cleared, the backlog
 * (cases closed during the incident that still lack a licence) is due within 3 working days of the clearance
 * (DESIGN §3: 24:00 Shanghai of the 3rd working day after the day of clearance), else a breach is recorded.
 * Pure: no I/O and no clock; usable in workflows.
 */
import { z } from 'zod';
import { Deadline, deadlineFor, WorkingCalendar } from './calendar';

/** LM-11: the backlog is due 3 working days after the fault is cleared. */
export const FORCE_MAJEURE_BACKLOG_WORKING_DAYS = 3;

export const INCIDENT_STATUSES = ['open', 'cleared', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  open: '故障处置中',
  cleared: '已恢复·补制中',
  closed: '已结束',
};

export const BACKLOG_BREACH_LABEL = '未在故障排除后 3 个工作日内补制积压证照';

const text = (max: number) => z.string().trim().min(1).max(max);
const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-11-27T10:30:00+08:00' });
const TypeCode = z
  .string()
  .trim()
  .regex(/^[0-9A-Z]{21}$/, { message: '应为 21 位证照类型代码' });

/** An incident as reported (POST /api/force-majeure-incidents). */
export const IncidentReport = z
  .object({
    /** What failed. */
    failure: text(500),
    /** Since when (not in the future: checked against the receipt time by the service). */
    since: IsoTime,
    /** The licence types affected, by their 21-character codes. */
    typeCodes: z.array(TypeCode).min(1, { message: '请至少选择一种受影响的证照类型' }).max(50),
    /** The emergency measures taken. */
    measures: text(2000),
  })
  .strict();
export type IncidentReport = z.infer<typeof IncidentReport>;

/** The unit reports the fault cleared, naming the cases closed during the incident its system still has to send. */
export const IncidentClearance = z
  .object({
    backlogCaseIds: z.array(text(100)).max(1000).default([]),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type IncidentClearance = z.infer<typeof IncidentClearance>;

export const IncidentAcknowledgement = z.object({ comment: z.string().trim().max(500).optional() }).strict();
export type IncidentAcknowledgement = z.infer<typeof IncidentAcknowledgement>;

/** The part of an incident that decides whether it excuses a late licence. */
export interface IncidentWindow {
  id: string;
  organisationId: string;
  typeCodes: readonly string[];
  since: Date;
  clearedAt: Date | null;
  backlogDueAt: Date | null;
}

/** The part of a licence request that the excuse is judged on (LM-9 deadline already computed). */
export interface LateIssuance {
  organisationId: string;
  typeCode: string;
  caseClosedAt: Date;
  deadlineAt: Date;
  receivedAt: Date;
}

/**
 * Whether the incident excuses the late arrival: the same unit and an affected type; the fault had begun by the
 * LM-9 deadline; the case closed before the fault was cleared; and the licence arrived before the backlog deadline
 * (while the incident is open, there is none yet).
 */
export function incidentExcuses(incident: IncidentWindow, issuance: LateIssuance): boolean {
  return (
    incident.organisationId === issuance.organisationId &&
    incident.typeCodes.includes(issuance.typeCode) &&
    incident.since.getTime() <= issuance.deadlineAt.getTime() &&
    (incident.clearedAt === null || issuance.caseClosedAt.getTime() <= incident.clearedAt.getTime()) &&
    (incident.backlogDueAt === null || issuance.receivedAt.getTime() <= incident.backlogDueAt.getTime())
  );
}

/** The first of the incidents that excuses the late arrival, or null. */
export function excusingIncident(
  incidents: readonly IncidentWindow[],
  issuance: LateIssuance,
): IncidentWindow | null {
  return incidents.find((i) => incidentExcuses(i, issuance)) ?? null;
}

/** LM-11: the backlog deadline of a fault cleared at `clearedAt`. */
export function backlogDeadline(calendar: WorkingCalendar, clearedAt: Date | string): Deadline {
  return deadlineFor(calendar, clearedAt, { workingDays: FORCE_MAJEURE_BACKLOG_WORKING_DAYS });
}

/** The backlog cases still lacking a licence: those not among the cases issued by the deadline. */
export function missingBacklog(backlog: readonly string[], issuedInTime: readonly string[]): string[] {
  const issued = new Set(issuedInTime);
  return [...new Set(backlog)].filter((caseId) => !issued.has(caseId));
}

export function forceMajeureWorkflowId(incidentId: string): string {
  return `force-majeure-${incidentId}`;
}
