/**
 * X.509 certificates built with node-forge: the CA standing in for the provincial e-government CA (SM-6) and
 * organisation certificates (SM-5(1)) carrying the legal name and the USCC in the subject. Keys come from Node's
 * native generator (RSA 2048), which is far faster than forge's pure JavaScript one.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { isIssuedByCached } from './certificate-cache';
import forge from 'node-forge';
import { buildCertificate, KeyAlgorithm } from './sm2-certificates';
import { isSm2PrivateKeyPem } from './sm2';

export type { KeyAlgorithm } from './sm2-certificates';

export interface IssuedCertificate {
  serialNumber: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  certificatePem: string;
  privateKeyPem: string;
}

export interface CaMaterial {
  certificatePem: string;
  privateKeyPem: string;
  /** Issue 20: where the CA certificate is published; every certificate it issues points there. */
  caIssuersUrl?: string | null;
}

/** id-pe-authorityInfoAccess and id-ad-caIssuers (RFC 5280 §4.2.2.1). */
const AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
const CA_ISSUERS = '1.3.6.1.5.5.7.48.2';
const CRL_DISTRIBUTION_POINTS = '2.5.29.31';

/** organizationIdentifier (X.520): where the USCC goes in the subject. */
const ORGANIZATION_IDENTIFIER = '2.5.4.97';

type Attribute = { name?: string; type?: string; value: string; valueTagClass?: number };

function utf8(attrs: Attribute[]): Attribute[] {
  // Chinese names need UTF8String; forge would otherwise write PrintableString.
  return attrs.map((a) => ({ ...a, valueTagClass: forge.asn1.Type.UTF8 as number }));
}

function newKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive INTEGER
  return bytes.toString('hex').toUpperCase();
}

function build(
  subject: Attribute[],
  issuer: Attribute[] | null,
  signingKeyPem: string | null,
  validity: { notBefore: Date; notAfter: Date },
  extensions: object[],
  algorithm: KeyAlgorithm = 'rsa',
): IssuedCertificate {
  if (algorithm === 'sm2' || (signingKeyPem && isSm2PrivateKeyPem(signingKeyPem))) {
    // Issue 20 Build 2: an SM2 subject or issuer key (pki/sm2-certificates.ts).
    const built = buildCertificate(
      {
        subject: utf8(subject),
        issuer: utf8(issuer ?? subject),
        serialNumber: serial(),
        validity,
        extensions,
      },
      algorithm,
      signingKeyPem,
      newKeyPair,
    );
    return describe(built.certificatePem, built.privateKeyPem);
  }
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
  cert.setSubject(utf8(subject));
  cert.setIssuer(utf8(issuer ?? subject));
  cert.setExtensions(extensions);
  const signer = forge.pki.privateKeyFromPem(signingKeyPem ?? keys.privateKeyPem) as forge.pki.rsa.PrivateKey;
  cert.sign(signer, forge.md.sha256.create());
  return describe(forge.pki.certificateToPem(cert), keys.privateKeyPem);
}

function describe(certificatePem: string, privateKeyPem: string): IssuedCertificate {
  const x509 = new X509Certificate(certificatePem);
  return {
    serialNumber: x509.serialNumber,
    subject: x509.subject,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    certificatePem,
    privateKeyPem,
  };
}

/** The subject's attributes, read from the ASN.1 (forge's certificate parser reads RSA keys only, not SM2). */
function subjectAttributes(pem: string): forge.pki.CertificateField[] {
  const tbs = forge.asn1.fromDer(forge.pem.decode(pem)[0]!.body).value[0] as forge.asn1.Asn1;
  const fields = tbs.value as forge.asn1.Asn1[];
  const offset = fields[0]!.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const rdn = fields[4 + offset]!;
  const pki = forge.pki as unknown as {
    RDNAttributesAsArray(rdn: forge.asn1.Asn1): forge.pki.CertificateField[];
  };
  return pki.RDNAttributesAsArray(rdn);
}

function subjectOf(pem: string): Attribute[] {
  return subjectAttributes(pem).map((a) => ({
    type: a.type as string,
    // forge decodes UTF8String values to UTF-8 byte strings; turn them back into text.
    value: forge.util.decodeUtf8(a.value as string),
  }));
}

export function createCertificateAuthority(
  name: string,
  now: Date,
  years = 20,
  algorithm: KeyAlgorithm = 'rsa',
): CaMaterial {
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  const issued = build(
    [
      { name: 'countryName', value: 'CN' },
      { name: 'stateOrProvinceName', value: '山西省' },
      { name: 'organizationName', value: name },
      { name: 'commonName', value: name },
    ],
    null,
    null,
    { notBefore: new Date(now.getTime() - 60_000), notAfter },
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    algorithm,
  );
  return { certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem };
}

/**
 * Issue 18 Build 2 (PAdES B-LT): where relying parties find a certificate's status — the CA's CRL and its OCSP
 * responder, both served by the platform (api/routes/certificate-status.ts).
 */
export interface CertificateStatusUrls {
  crl: string;
  ocsp: string;
}

export function certificateStatusUrls(publicUrl: string): CertificateStatusUrls {
  const base = publicUrl.replace(/\/+$/, '');
  return { crl: `${base}/api/pki/crl`, ocsp: `${base}/api/pki/ocsp` };
}

const ID_AD_OCSP = '1.3.6.1.5.5.7.48.1';

/**
 * Where a relying party finds what it needs to check a certificate the CA issued: cRLDistributionPoints
 * (RFC 5280 §4.2.1.13) with the platform's CRL, and one authorityInfoAccess extension (§4.2.2.1) naming the OCSP
 * responder and where the issuer's certificate is published (issue 18 B-LT, issue 20's AIA pointer). An extension
 * appears only for the addresses known; a certificate carries at most one of each (§4.2).
 */
function authorityExtensions(ca: CaMaterial, statusUrls?: CertificateStatusUrls): object[] {
  const { asn1 } = forge;
  const seq = (items: forge.asn1.Asn1[]) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
  const context = (tag: number, items: forge.asn1.Asn1[]) =>
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, items);
  const uri = (url: string) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, url); // GeneralName [6]
  const oid = (id: string) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
  const access = [
    ...(statusUrls ? [seq([oid(ID_AD_OCSP), uri(statusUrls.ocsp)])] : []),
    ...(ca.caIssuersUrl ? [seq([oid(CA_ISSUERS), uri(ca.caIssuersUrl)])] : []),
  ];
  return [
    // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } }
    ...(statusUrls
      ? [
          {
            id: CRL_DISTRIBUTION_POINTS,
            value: seq([seq([context(0, [context(0, [uri(statusUrls.crl)])])])]),
          },
        ]
      : []),
    ...(access.length ? [{ id: AUTHORITY_INFO_ACCESS, value: seq(access) }] : []),
  ];
}

export function issueOrganisationCertificate(
  ca: CaMaterial,
  organisation: { name: string; uscc: string; province: string; locality: string },
  validity: { notBefore: Date; notAfter: Date },
  statusUrls?: CertificateStatusUrls,
  /** Issue 20 Build 2: the organisation's key may be SM2 (its seal then signs SM3withSM2). */
  algorithm: KeyAlgorithm = 'rsa',
): IssuedCertificate {
  return build(
    [
      { name: 'countryName', value: 'CN' },
      { name: 'stateOrProvinceName', value: organisation.province },
      { name: 'localityName', value: organisation.locality },
      { name: 'organizationName', value: organisation.name },
      { type: ORGANIZATION_IDENTIFIER, value: organisation.uscc },
      { name: 'commonName', value: organisation.name },
    ],
    subjectOf(ca.certificatePem),
    ca.privateKeyPem,
    validity,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
      { name: 'subjectKeyIdentifier' },
      ...authorityExtensions(ca, statusUrls),
    ],
    algorithm,
  );
}

/** The organisation name (O) in a certificate's subject, decoded (Node's subject string escapes `,+"\\;<>`). */
export function certificateOrganisationName(certificatePem: string): string {
  const attribute = subjectOf(certificatePem).find((a) => a.type === forge.pki.oids.organizationName);
  if (!attribute) throw new Error('certificate subject has no organisation name');
  return attribute.value;
}

/** Whether `certificatePem` was issued and signed by the CA certificate `caPem`. */
export function isIssuedBy(certificatePem: string, caPem: string): boolean {
  return isIssuedByCached(certificatePem, caPem);
}

/**
 * A certificate for one of the platform's own services (e.g. the audit log's daily seal, LM-25): issued by the CA,
 * naming the service, for signatures only. Each such service holds a key of its own, never the CA's. The timestamp
 * authority's (issue 18 Build 2) is narrowed further to RFC 3161 timestamps: extended key usage id-kp-timeStamping
 * alone, critical, as RFC 3161 §2.3 requires.
 */
export function issueServiceCertificate(
  ca: CaMaterial,
  serviceName: string,
  validity: { notBefore: Date; notAfter: Date },
  purpose: 'signature' | 'timeStamping' = 'signature',
): IssuedCertificate {
  return build(
    [
      { name: 'countryName', value: 'CN' },
      { name: 'stateOrProvinceName', value: '山西省' },
      { name: 'organizationName', value: '晋城市电子证照与电子印章平台' },
      { name: 'commonName', value: serviceName },
    ],
    subjectOf(ca.certificatePem),
    ca.privateKeyPem,
    validity,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
      { name: 'subjectKeyIdentifier' },
      ...(purpose === 'timeStamping' ? [{ name: 'extKeyUsage', timeStamping: true, critical: true }] : []),
      ...authorityExtensions(ca),
    ],
  );
}
