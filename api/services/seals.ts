/** Seals as the API and the web pages read them: a seal with its imprint and bound certificate (SM-6, SM-8). */
import { X509Certificate } from 'node:crypto';
import { Organisation, OrganisationCertificate, Seal } from '../../db/entities';
import { assertCanSeeOrganisationRecords, canSeeOrganisationRecords } from '../access';
import type { Principal } from '../principal';
import type { AppContext } from '../context';
import { forbidden, notFound } from '../errors';

export interface SealView {
  id: string;
  esId: string;
  kind: string;
  name: string;
  status: string;
  organisationId: string;
  organisationName: string;
  applicationId: string | null;
  custodianName: string;
  validFrom: string;
  validTo: string;
  imprint: { mediaType: string; widthMm: number; heightMm: number; url: string };
  certificate: {
    serialNumber: string;
    subject: string;
    issuer: string;
    notBefore: string;
    notAfter: string;
    sha256Fingerprint: string;
    pem: string;
  };
  sealInfo: Seal['sealInfo'];
  makerSignature: Seal['makerSignature'];
  createdAt: string;
}

export class SealService {
  constructor(private readonly ctx: AppContext) {}

  /** The seal if the caller may see it: its organisation and the units overseeing it. */
  private async visibleSeal(principal: Principal, id: string): Promise<Seal> {
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { id });
    if (!seal) throw notFound('印章');
    if (!(await canSeeOrganisationRecords(principal, seal.organisationId, em, this.ctx.jurisdictions))) {
      throw forbidden('无权查看其他单位的印章');
    }
    return seal;
  }

  async seal(principal: Principal, id: string): Promise<SealView> {
    const em = this.ctx.em();
    const seal = await this.visibleSeal(principal, id);
    const organisation = await em.findOneOrFail(Organisation, { id: seal.organisationId });
    const certificate = await em.findOneOrFail(OrganisationCertificate, { id: seal.certificateId });
    const x509 = new X509Certificate(certificate.certificatePem);
    return {
      id: seal.id,
      esId: seal.esId,
      kind: seal.kind,
      name: seal.name,
      status: seal.status,
      organisationId: seal.organisationId,
      organisationName: organisation.name,
      applicationId: seal.applicationId,
      custodianName: seal.custodianName,
      validFrom: seal.validFrom.toISOString(),
      validTo: seal.validTo.toISOString(),
      imprint: {
        mediaType: seal.imprintMediaType,
        widthMm: seal.widthMm,
        heightMm: seal.heightMm,
        url: `/api/seals/${seal.id}/imprint`,
      },
      certificate: {
        serialNumber: certificate.serialNumber,
        subject: certificate.subject,
        issuer: x509.issuer,
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
        sha256Fingerprint: x509.fingerprint256,
        pem: certificate.certificatePem,
      },
      sealInfo: seal.sealInfo,
      makerSignature: seal.makerSignature,
      createdAt: seal.createdAt.toISOString(),
    };
  }

  async sealImprint(principal: Principal, id: string): Promise<{ mediaType: string; bytes: Buffer }> {
    const seal = await this.visibleSeal(principal, id);
    return { mediaType: seal.imprintMediaType, bytes: seal.imprint };
  }

  async sealsOfOrganisation(principal: Principal): Promise<Array<Omit<Seal, 'imprint'>>> {
    return this.ctx
      .em()
      .find(
        Seal,
        { organisationId: principal.organisationId },
        { orderBy: { createdAt: 'desc' }, exclude: ['imprint'] },
      );
  }

  /** The seals of a unit the principal may see the records of (issue 15: the unit page). */
  async sealsOfUnit(principal: Principal, organisationId: string): Promise<Array<Omit<Seal, 'imprint'>>> {
    const em = this.ctx.em();
    await assertCanSeeOrganisationRecords(principal, organisationId, em, this.ctx.jurisdictions);
    return em.find(Seal, { organisationId }, { orderBy: { createdAt: 'desc' }, exclude: ['imprint'] });
  }
}
