/**
 * Licences and issuance requests as the API and the pages show them: the licence with its data in full or masked
 * by the access rule (api/services/licence-access.ts), its signature summary with the 签章人, and a request's
 * state with its LM-9 deadline.
 */
import { Dispute } from '../../db/dispute-entities';
import { DISPUTE_MARKER_LABEL } from '../../domain/dispute';
import { X509Certificate } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Organisation } from '../../db/entities';
import { Licence, LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { currentStatus, LICENCE_STATUS_LABELS, LicenceStatus, licenceVerifyUrl } from '../../domain/licence';
import type { ChangeKind } from '../../domain/licence-issuance';
import type { HolderCodeType, LicenceData } from '../../domain/licence-type';
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

/** The licence as a caller sees it: `full` as signed, else with sensitive items and a person's name masked. */
export async function licenceView(
  em: EntityManager,
  links: { publicUrl: string; accessCodeSecret: string },
  licence: Licence,
  full: boolean,
  issuance?: LicenceIssuance,
): Promise<LicenceView> {
  const [type, issuer, request, signer, disputed] = await Promise.all([
    em.findOneOrFail(LicenceType, { id: licence.typeId }),
    em.findOneOrFail(Organisation, { id: licence.issuerOrganisationId }),
    // A licence converted from the legacy stock (issue 19) has no issuance request.
    issuance
      ? Promise.resolve(issuance)
      : licence.issuanceId
        ? em.findOneOrFail(LicenceIssuance, { id: licence.issuanceId })
        : Promise.resolve(null),
    em
      .getConnection()
      .execute<Array<{ display_name: string }>>(
        `select u.display_name from seal_signature s join app_user u on u.id = s.signer_user_id where s.id = ?`,
        [licence.signatureId],
      ),
    disputeMarkerFor(em, licence.seriesId),
  ]);
  const { holder, data } = holderAndDataFor(licence, type.definition, full);
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
    issuer: { id: issuer.id, name: issuer.name, code: licence.issuerCode },
    holder,
    issueDate: licence.issueDate,
    validFrom: licence.validFrom,
    validTo: licence.validTo,
    status: licence.status,
    currentStatus: state,
    statusLabel: LICENCE_STATUS_LABELS[state],
    disputeMarker: disputed,
    data,
    masked: !full,
    issuedAt: licence.issuedAt.toISOString(),
    late: request?.late ?? false,
    legacyConversion: licence.legacyNumber !== null,
    signature: {
      // From the CA-signed seal info, never the record's unsigned copies (issue 11).
      sealName: signature.seal.sealInfo.property.name,
      esId: signature.seal.sealInfo.esId,
      signerName: signer[0]?.display_name ?? null,
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
  i: LicenceIssuance,
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

function certificateSubject(pem: string): string {
  try {
    return new X509Certificate(pem).subject.replace(/\n/g, ', ');
  } catch {
    return '';
  }
}

/** LM-23: 有异议·核查中 while a dispute over any version of the licence stands marked, else null. */
export async function disputeMarkerFor(em: EntityManager, seriesId: string): Promise<string | null> {
  const marked = await em.count(Dispute, { licenceSeriesId: seriesId, status: 'marked' });
  return marked > 0 ? DISPUTE_MARKER_LABEL : null;
}
