/**
 * An SM2 (or RSA) sealed licence for the SM2 tests (issue 20 Build 2): a seal bound to the organisation certificate
 * and signed by the CA as seal maker, and a licence export signed with it for its own purpose.
 */
import { LicenceMetadata } from '../../domain/licence';
import { licenceIdentifier } from '../../domain/licence-identifier';
import type { SealInfo } from '../../domain/seal';
import { expectedLicencePurpose } from '../../domain/seal-signature';
import type { CaMaterial, IssuedCertificate } from '../../pki/certificates';
import { licenceDataHash, LicenceExport, licenceExport } from '../../pki/licence-document';
import { signSealInfo } from '../../pki/seal-maker';
import { SealForSigning, signWithSeal } from '../../pki/seal-signer';
import { SIGNING_TIME, ZZ_AMR_SUBJECT } from './pki-fixtures';

const TYPE_CODE = '11100000000013338W001';
const derOf = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

export function makeSeal(cert: IssuedCertificate, maker: CaMaterial): SealForSigning {
  const sealInfo: SealInfo = {
    header: { id: 'ES', version: 4, vid: 'jincheng-eseal-platform' },
    esId: '140525202600000001',
    property: {
      type: 1,
      kind: 'business',
      name: `${ZZ_AMR_SUBJECT.name}证照专用章`,
      certListType: 1,
      certList: [derOf(cert.certificatePem)],
      createDate: '2026-01-10T02:15:30.000Z',
      validStart: cert.notBefore.toISOString(),
      validEnd: cert.notAfter.toISOString(),
    },
    picture: { type: 'svg', data: Buffer.from('<svg/>').toString('base64'), widthMm: 40, heightMm: 40 },
  };
  return {
    id: 'seal-1',
    esId: sealInfo.esId,
    name: sealInfo.property.name,
    kind: 'business',
    sealInfo,
    makerSignature: signSealInfo(sealInfo, maker.certificatePem, maker.privateKeyPem),
  };
}

const METADATA: LicenceMetadata = {
  name: '营业执照',
  typeCode: TYPE_CODE,
  typeVersion: 1,
  identifier: licenceIdentifier({
    typeCode: TYPE_CODE,
    issuerCode: ZZ_AMR_SUBJECT.uscc,
    serial: '0000001',
    version: 1,
  }),
  licenceNumber: '泽市监字0001号',
  version: 1,
  previousIdentifier: null,
  issuer: { name: ZZ_AMR_SUBJECT.name, code: ZZ_AMR_SUBJECT.uscc },
  issueDate: '2026-11-27',
  holder: { name: '晋城市丹河煤业有限公司', code: '91140525MA0K1234X7', codeType: '001' },
  validFrom: '2026-11-27',
  validTo: null,
  serviceItems: [{ code: 'SX-001', name: '企业设立登记' }],
};
const DATA = { legalRepresentative: '王志刚', registeredCapital: '伍佰万元整' };

export function sealedLicence(cert: IssuedCertificate, seal: SealForSigning): LicenceExport {
  const signature = signWithSeal({
    seal,
    certificatePem: cert.certificatePem,
    privateKeyPem: cert.privateKeyPem,
    signingTime: SIGNING_TIME,
    documentHash: licenceDataHash({ metadata: METADATA, data: DATA }),
    documentTitle: `电子证照签发：营业执照（${TYPE_CODE}）`,
    authorisationId: 'auth-1',
    purpose: {
      purpose: expectedLicencePurpose(1),
      identifier: METADATA.identifier,
      typeCode: TYPE_CODE,
      sealKind: 'business',
    },
  });
  return licenceExport({ metadata: METADATA, data: DATA, signature });
}
