/**
 * Licences and issuance requests as the API and the pages show them: the licence with its data in full or masked
 * by the access rule (api/services/licence-access.ts), its signature summary with the 签章人, and a request's
 * state with its LM-9 deadline.
 */
import { DISPUTE_MARKER_LABEL } from '../../domain/dispute';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Licence, LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { currentStatus, LICENCE_STATUS_LABELS, LicenceStatus, licenceVerifyUrl } from '../../domain/licence';
import type { ChangeKind } from '../../domain/licence-issuance';
import type { HolderCodeType, LicenceData } from '../../domain/licence-type';
import { x509Of } from '../../pki/certificate-cache';
import { licenceAccessCode } from '../../pki/licence-access-code';
import { holderAndDataFor } from './licence-access';

export interface IssuanceView {
  id: string;
  caseId: string;
  kind: LicenceIssuance['kind'];
  status: LicenceIssuance['status'];
  statusReason: string | null;
  receivedAt: string;
  caseClosedAt: string;
  deadlineAt: string;
  deadlineProvisional: boolean;
  late: boolean;
  licenceIdentifier: string | null;
}

export interface LicenceView {
  identifier: string;
  name: string;
  typeCode: string;
  typeVersion: number;
  version: number;
  previousIdentifier: string | null;
  licenceNumber: string;
  issuer: { id: string; name: string; code: string };
  holder: { name: string; code: string; codeType: HolderCodeType };
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  status: LicenceStatus;
  currentStatus: LicenceStatus;
  statusLabel: string;
  /** 有异议·核查中 while a dispute's marker stands over any version of the licence (LM-23), else null. */
  disputeMarker: string | null;
  data: LicenceData;
  masked: boolean;
  issuedAt: string;
  late: boolean;
  /** Issue 19 (LM-10): converted from the legacy stock (存量转换); the issue date is the original one. */
  legacyConversion: boolean;
  signature: {
    sealName: string;
    esId: string;
    /** 签章人: the grantee of the seal-use authorisation the signing consumed a use of (SM-12). */
    signerName: string | null;
    authorisationId: string;
    signingTime: string;
    signerCertificateSubject: string;
    algorithm: string;
    dataHash: string;
  };
  /** The public verification page (without the access code: status, type, issuer, masked holder, item labels). */
  verifyUrl: string;
  /** The licence's access code: `verifyUrl?code=<accessCode>` shows the masked face and gives the copies. */
  accessCode: string;
}

export interface VersionItem {
  identifier: string;
  version: number;
  status: LicenceStatus;
  issuedAt: string;
  previousIdentifier: string | null;
  changeKind: ChangeKind | null;
  reason: string | null;
}

/** What a request's view shows of its row (a new request's answer has it in hand, issue 19). */
export type IssuanceFacts = Pick<
  LicenceIssuance,
  | 'id'
  | 'caseId'
  | 'kind'
  | 'status'
  | 'statusReason'
  | 'receivedAt'
  | 'caseClosedAt'
  | 'deadlineAt'
  | 'deadlineProvisional'
  | 'late'
  | 'licenceId'
>;

/** What a licence's view reads beside the licence row. */
interface ViewFactsRow {
  definition: LicenceType['definition'];
  issuer_name: string;
  signer_name: string | null;
  /** The request's lateness; null for a licence converted from the legacy stock (no request, issue 19). */
  late: boolean | null;
  disputed: boolean;
}

/** LM-23: whether a dispute over any version of a licence series stands marked; its one `?` is the series id. */
const DISPUTE_MARKED_SQL = `exists (select 1 from dispute d where d.licence_series_id = ? and d.status = 'marked')`;

/**
 * The type, the issuer's name, the 签章人, the request's lateness and the dispute marker, in one statement (issue 19
 * Build 3: one round trip and no entities, not four).
 */
async function viewFacts(
  em: EntityManager,
  licence: Licence,
  issuance: IssuanceFacts | undefined,
): Promise<ViewFactsRow> {
  const rows = await em.getConnection().execute<ViewFactsRow[]>(
    `select t.definition, o.name as issuer_name,
            (select u.display_name from seal_signature s join app_user u on u.id = s.signer_user_id
              where s.id = ?) as signer_name,
            (select i.late from licence_issuance i where i.id = ?) as late,
            ${DISPUTE_MARKED_SQL} as disputed
       from licence_type t, organisation o
      where t.id = ? and o.id = ?`,
    [
      licence.signatureId,
      issuance ? null : licence.issuanceId,
      licence.seriesId,
      licence.typeId,
      licence.issuerOrganisationId,
    ],
  );
  const facts = rows[0];
  if (!facts) throw new Error(`licence ${licence.identifier}: its type or issuing unit does not exist`);
  return facts;
}

/** The licence as a caller sees it: `full` as signed, else with sensitive items and a person's name masked. */
export async function licenceView(
  em: EntityManager,
  links: { publicUrl: string; accessCodeSecret: string },
  licence: Licence,
  full: boolean,
  issuance?: IssuanceFacts,
): Promise<LicenceView> {
  const facts = await viewFacts(em, licence, issuance);
  const { holder, data } = holderAndDataFor(licence, facts.definition, full);
  const now = new Date();
  const state = currentStatus(licence.status, licence.validTo, now);
  const signature = licence.signature;
  return {
    identifier: licence.identifier,
    name: licence.name,
    typeCode: licence.typeCode,
    typeVersion: licence.typeVersion,
    version: licence.version,
    previousIdentifier: licence.previousIdentifier,
    licenceNumber: licence.licenceNumber,
    issuer: { id: licence.issuerOrganisationId, name: facts.issuer_name, code: licence.issuerCode },
    holder,
    issueDate: licence.issueDate,
    validFrom: licence.validFrom,
    validTo: licence.validTo,
    status: licence.status,
    currentStatus: state,
    statusLabel: LICENCE_STATUS_LABELS[state],
    disputeMarker: facts.disputed ? DISPUTE_MARKER_LABEL : null,
    data,
    masked: !full,
    issuedAt: licence.issuedAt.toISOString(),
    late: issuance?.late ?? facts.late ?? false,
    legacyConversion: licence.legacyNumber !== null,
    signature: {
      // From the CA-signed seal info, never the record's unsigned copies (issue 11).
      sealName: signature.seal.sealInfo.property.name,
      esId: signature.seal.sealInfo.esId,
      signerName: facts.signer_name,
      authorisationId: signature.authorisationId,
      signingTime: signature.signingTime,
      signerCertificateSubject: certificateSubject(signature.signerCertificate),
      algorithm: signature.algorithm,
      dataHash: signature.dataHash.value,
    },
    verifyUrl: licenceVerifyUrl(links.publicUrl, licence.identifier),
    // Whoever may see the licence may open its masked face and copies on the public page (issue 11).
    accessCode: licenceAccessCode(links.accessCodeSecret, licence.identifier),
  };
}

/** A request's state as the issuing unit's system reads it; `issued`: its licence when the caller has it already. */
export async function issuanceView(
  em: EntityManager,
  i: IssuanceFacts,
  issued?: Pick<Licence, 'identifier'>,
): Promise<IssuanceView> {
  const licence =
    issued ??
    (i.licenceId ? await em.findOne(Licence, { id: i.licenceId }, { fields: ['identifier'] }) : null);
  return {
    id: i.id,
    caseId: i.caseId,
    kind: i.kind,
    status: i.status,
    statusReason: i.statusReason,
    receivedAt: i.receivedAt.toISOString(),
    caseClosedAt: i.caseClosedAt.toISOString(),
    deadlineAt: i.deadlineAt.toISOString(),
    deadlineProvisional: i.deadlineProvisional,
    late: i.late,
    licenceIdentifier: licence?.identifier ?? null,
  };
}

/** The certificate's subject; parsed once per certificate (pki/certificate-cache.ts), not once per view. */
function certificateSubject(pem: string): string {
  try {
    return x509Of(pem).subject.replace(/\n/g, ', ');
  } catch {
    return '';
  }
}

/** LM-23: 有异议·核查中 while a dispute over any version of the licence stands marked, else null. */
export async function disputeMarkerFor(em: EntityManager, seriesId: string): Promise<string | null> {
  const rows = await em
    .getConnection()
    .execute<Array<{ disputed: boolean }>>(`select ${DISPUTE_MARKED_SQL} as disputed`, [seriesId]);
  return rows[0]?.disputed ? DISPUTE_MARKER_LABEL : null;
}
