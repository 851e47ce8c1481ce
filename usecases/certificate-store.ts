/** The CA and organisation certificates as kept in the database, private keys encrypted (DESIGN §3, SM-5(1)). */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CertificateAuthority, Organisation, OrganisationCertificate } from '../db/entities';
import {
  CaMaterial,
  certificateStatusUrls,
  createCertificateAuthority,
  issueOrganisationCertificate,
  type KeyAlgorithm,
} from '../pki/certificates';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/key-encryption';
import { sm2PublicKeyOfCertificate } from '../pki/sm2-certificates';

import { CA_ID, CA_NAME } from './certificate-authority';

export { CA_ID, CA_NAME };

/**
 * Creates the CA on first start; concurrent starters agree on one CA through the primary key. `caIssuersUrl`
 * (issue 20: where the CA certificate is published) is kept with it, and certificates issued from then on point to it.
 */
export async function ensureCertificateAuthority(
  em: EntityManager,
  masterKey: string,
  caIssuersUrl?: string,
): Promise<CaMaterial> {
  const existing = await em.findOne(CertificateAuthority, { id: CA_ID });
  if (existing && (!caIssuersUrl || existing.caIssuersUrl === caIssuersUrl)) return load(existing, masterKey);
  if (!existing) await createCa(em, masterKey);
  if (caIssuersUrl) await em.nativeUpdate(CertificateAuthority, { id: CA_ID }, { caIssuersUrl });
  return loadCertificateAuthority(em, masterKey);
}

async function createCa(em: EntityManager, masterKey: string): Promise<void> {
  const ca = createCertificateAuthority(CA_NAME, new Date());
  await em
    .createQueryBuilder(CertificateAuthority)
    .insert({
      id: CA_ID,
      name: CA_NAME,
      certificatePem: ca.certificatePem,
      privateKeyEncrypted: encryptPrivateKey(ca.privateKeyPem, masterKey),
      createdAt: new Date(),
    })
    .onConflict('id')
    .ignore()
    .execute();
}

export async function loadCertificateAuthority(em: EntityManager, masterKey: string): Promise<CaMaterial> {
  const row = await em.findOneOrFail(CertificateAuthority, { id: CA_ID }, { disableIdentityMap: true });
  return load(row, masterKey);
}

function load(row: CertificateAuthority, masterKey: string): CaMaterial {
  return {
    certificatePem: row.certificatePem,
    privateKeyPem: decryptPrivateKey(row.privateKeyEncrypted, masterKey),
    caIssuersUrl: row.caIssuersUrl,
  };
}

/**
 * Issues an organisation certificate (SM-5(1)) and stores it; the caller flushes. It names the platform's CRL and
 * OCSP addresses under `publicUrl` (issue 18 Build 2, PAdES B-LT).
 */
export function issueCertificateFor(
  em: EntityManager,
  ca: CaMaterial,
  organisation: Organisation,
  place: { province: string; locality: string },
  validity: { notBefore: Date; notAfter: Date },
  masterKey: string,
  /** Null: no addresses (the test template's certificates, which no test platform serves at a fixed address). */
  publicUrl: string | null,
  /** Issue 20 Build 2: the organisation's key algorithm. */
  algorithm: KeyAlgorithm = 'rsa',
): OrganisationCertificate {
  const issued = issueOrganisationCertificate(
    ca,
    { name: organisation.name, uscc: organisation.uscc, ...place },
    validity,
    publicUrl ? certificateStatusUrls(publicUrl) : undefined,
    algorithm,
  );
  return em.create(OrganisationCertificate, {
    id: randomUUID(),
    organisationId: organisation.id,
    serialNumber: issued.serialNumber,
    subject: issued.subject,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    certificatePem: issued.certificatePem,
    privateKeyEncrypted: encryptPrivateKey(issued.privateKeyPem, masterKey),
    revokedAt: null,
    createdAt: new Date(),
  });
}

/** Issue 20 Build 2: the key algorithm of a certificate (PEM), which its renewal keeps. */
export function keyAlgorithmOf(certificatePem: string): KeyAlgorithm {
  const der = Buffer.from(
    certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
    'base64',
  );
  return sm2PublicKeyOfCertificate(der) ? 'sm2' : 'rsa';
}

/** The province and locality of a certificate subject as Node prints it (one `KEY=value` per line). */
export function placeOf(subject: string): { province: string; locality: string } {
  const field = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(subject)?.[1] ?? '';
  return { province: field('ST'), locality: field('L') };
}

/** The certificate a new seal binds to: the organisation's newest unrevoked one. */
export async function currentCertificate(
  em: EntityManager,
  organisationId: string,
): Promise<OrganisationCertificate | null> {
  return em.findOne(
    OrganisationCertificate,
    { organisationId, revokedAt: null },
    { orderBy: { notAfter: 'desc' } },
  );
}
