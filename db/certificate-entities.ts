/**
 * Organisation certificate requests decided by the approval engine, and the renewal reminders sent (issue 12
 * Build 5, SM-5(1), SM-6, SM-8).
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { StoredInitiatorOptions } from '../domain/flow-definition';
import type {
  CertificateProcessKind,
  CertificateRequestAction,
  CertificateRequestStatus,
} from '../domain/organisation-certificate';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;

export class OrganisationCertificateRequest {
  id!: string;
  organisationId!: string;
  applicantId!: string;
  processKind!: CertificateProcessKind;
  action!: CertificateRequestAction;
  /** The certificate renewed or revoked; null for an application. */
  certificateId: string | null = null;
  reason!: string;
  /** Issue 20 Build 2: the key algorithm asked for; null: RSA for an application, the renewed one's for a renewal. */
  keyAlgorithm: 'rsa' | 'sm2' | null = null;
  status: CertificateRequestStatus = 'pending';
  workflowId!: string;
  approvalWorkflowId!: string;
  outcomeReason: string | null = null;
  /** Once carried out: the certificate issued (apply, renew) or revoked (revoke). */
  outcomeCertificateId: string | null = null;
  clientRequestId: string | null = null;
  approvalOptions: Opt<StoredInitiatorOptions> = { approvers: {}, cc: [] };
  createdAt: Date = new Date();
  decidedAt: Date | null = null;
}

export const OrganisationCertificateRequestSchema = new EntitySchema<OrganisationCertificateRequest>({
  class: OrganisationCertificateRequest,
  tableName: 'organisation_certificate_request',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    applicantId: { type: 'string' },
    processKind: { type: 'string' },
    action: { type: 'string' },
    certificateId: { type: 'string', nullable: true },
    reason: { type: 'text' },
    keyAlgorithm: { type: 'string', nullable: true },
    status: { type: 'string' },
    workflowId: { type: 'string', unique: true },
    approvalWorkflowId: { type: 'string', unique: true },
    outcomeReason: { type: 'text', nullable: true },
    outcomeCertificateId: { type: 'string', nullable: true },
    clientRequestId: { type: 'string', nullable: true },
    approvalOptions: { type: 'json' },
    createdAt: timestamptz,
    decidedAt: { ...timestamptz, nullable: true },
  },
});

/** SM-8: one renewal reminder per certificate and offset, with whom it went to. */
export class CertificateReminder {
  certificateId!: string;
  offsetDays!: number;
  organisationId!: string;
  notAfter!: Date;
  recipients: string[] = [];
  sentAt: Date = new Date();
}

export const CertificateReminderSchema = new EntitySchema<CertificateReminder>({
  class: CertificateReminder,
  tableName: 'certificate_reminder',
  properties: {
    certificateId: { type: 'string', primary: true },
    offsetDays: { type: 'integer', primary: true },
    organisationId: { type: 'string' },
    notAfter: timestamptz,
    recipients: { type: 'json' },
    sentAt: timestamptz,
  },
});

export const CERTIFICATE_ENTITIES = [OrganisationCertificateRequestSchema, CertificateReminderSchema];
