/**
 * X.509 certificates whose subject key or issuer key is SM2 (issue 20 Build 2; GM/T 0015): node-forge encodes the
 * names, validity and extensions as for the RSA certificates (pki/certificates.ts), and this file puts in the SM2
 * SubjectPublicKeyInfo and signs the TBSCertificate itself — SM3withSM2 (1.2.156.10197.1.501, no parameters) with
 * an SM2 issuer key, sha256WithRSAEncryption with an RSA one — since forge signs and encodes RSA keys only. It also
 * checks such certificates' signatures, which Node's crypto cannot (it has no SM2 signature with the SM2 identifier).
 */
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import forge from 'node-forge';
import {
  generateSm2KeyPair,
  isSm2PrivateKeyPem,
  sm2PrivateKeyHex,
  sm2PrivateKeyPem,
  sm2PublicKeyOfSpki,
  sm2Sign,
  sm2SubjectPublicKeyInfo,
  sm2Verify,
  SM3_WITH_SM2_OID,
} from './sm2';

export type KeyAlgorithm = 'rsa' | 'sm2';

const { asn1 } = forge;
const SHA256_WITH_RSA = forge.pki.oids.sha256WithRSAEncryption!;

function algorithmIdentifier(id: string): forge.asn1.Asn1 {
  const items = [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes())];
  // RSA algorithm identifiers carry NULL parameters; SM3withSM2's are absent (GM/T 0015).
  if (id === SHA256_WITH_RSA) items.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''));
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
}

/** A fixed, tiny RSA key that only fills forge's certificate object; it is replaced before encoding. */
const PLACEHOLDER_KEY = forge.pki.setRsaPublicKey(
  new forge.jsbn.BigInteger('3'),
  new forge.jsbn.BigInteger('3'),
);

export interface CertificateTemplate {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  extensions: object[];
}

export interface BuiltCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/** The subject key (new), its SubjectPublicKeyInfo, and the private key PEM to hand back. */
function subjectKey(algorithm: KeyAlgorithm, rsaPair: () => { privateKeyPem: string; publicKeyPem: string }) {
  if (algorithm === 'sm2') {
    const keys = generateSm2KeyPair();
    return { spki: sm2SubjectPublicKeyInfo(keys.publicKeyHex), privateKeyPem: sm2PrivateKeyPem(keys) };
  }
  const pair = rsaPair();
  const spki = forge.pki.publicKeyToAsn1(forge.pki.publicKeyFromPem(pair.publicKeyPem));
  return { spki, privateKeyPem: pair.privateKeyPem };
}

/** The subjectPublicKey bits of an SPKI (what RFC 5280 §4.2.1.2 method 1 hashes for the key identifier). */
function keyBits(spki: forge.asn1.Asn1): string {
  return ((spki.value as forge.asn1.Asn1[])[1]!.value as string).slice(1);
}

/** Signs the template with the issuer key (RSA PKCS#8 or SM2 PEM; none: self-signed with the new key). */
export function buildCertificate(
  template: CertificateTemplate,
  algorithm: KeyAlgorithm,
  issuerKeyPem: string | null,
  rsaPair: () => { privateKeyPem: string; publicKeyPem: string },
): BuiltCertificate {
  const key = subjectKey(algorithm, rsaPair);
  const signingKeyPem = issuerKeyPem ?? key.privateKeyPem;
  const signatureOid = isSm2PrivateKeyPem(signingKeyPem) ? SM3_WITH_SM2_OID : SHA256_WITH_RSA;
  const ski = forge.md.sha1.create().update(keyBits(key.spki)).digest().toHex();
  const cert = forge.pki.createCertificate();
  cert.publicKey = PLACEHOLDER_KEY;
  cert.serialNumber = template.serialNumber;
  cert.validity.notBefore = template.validity.notBefore;
  cert.validity.notAfter = template.validity.notAfter;
  cert.setSubject(template.subject);
  cert.setIssuer(template.issuer);
  cert.setExtensions(
    template.extensions.map((e) =>
      (e as { name?: string }).name === 'subjectKeyIdentifier' ? { ...e, subjectKeyIdentifier: ski } : e,
    ),
  );
  (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = signatureOid;
  const pki = forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
  const tbs = pki.getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  fields[2] = algorithmIdentifier(signatureOid); // signature
  fields[6] = key.spki; // subjectPublicKeyInfo
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature =
    signatureOid === SM3_WITH_SM2_OID
      ? sm2Sign(tbsDer, sm2PrivateKeyHex(signingKeyPem))
      : sign('sha256', tbsDer, signingKeyPem);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(signatureOid),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${signature.toString('binary')}`),
  ]);
  const der = asn1.toDer(certificate).getBytes();
  return {
    certificatePem: forge.pem.encode({ type: 'CERTIFICATE', body: der }, { maxline: 64 }),
    privateKeyPem: key.privateKeyPem,
  };
}

interface CertificateParts {
  tbsDer: Buffer;
  signatureOid: string;
  signature: Buffer;
  spki: forge.asn1.Asn1;
}

/** The bytes of the first DER element in `der` from `offset` (header and content). */
function elementAt(der: Buffer, offset: number): Buffer {
  const first = der[offset + 1]!;
  if (first < 0x80) return der.subarray(offset, offset + 2 + first);
  const lengthBytes = first & 0x7f;
  const length = der.subarray(offset + 2, offset + 2 + lengthBytes).reduce((n, b) => n * 256 + b, 0);
  return der.subarray(offset, offset + 2 + lengthBytes + length);
}

function partsOf(der: Buffer): CertificateParts {
  // The BIT STRINGs are kept as they are (forge would otherwise try to read them as nested DER).
  const options = { strict: true, decodeBitStrings: false } as unknown as boolean;
  const cert = asn1.fromDer(der.toString('binary'), options);
  const [tbs, alg, sig] = cert.value as forge.asn1.Asn1[];
  const tbsFields = tbs!.value as forge.asn1.Asn1[];
  const hasVersion = tbsFields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC;
  const outerHeader = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  return {
    // The TBSCertificate exactly as signed, sliced from the DER rather than re-encoded.
    tbsDer: elementAt(der, outerHeader),
    signatureOid: asn1.derToOid((alg!.value as forge.asn1.Asn1[])[0]!.value as string),
    signature: Buffer.from((sig!.value as string).slice(1), 'binary'),
    spki: tbsFields[hasVersion ? 6 : 5]!,
  };
}

/** The SM2 public key (hex) of a certificate (DER), or null when its key is not SM2. */
export function sm2PublicKeyOfCertificate(der: Buffer): string | null {
  try {
    return sm2PublicKeyOfSpki(partsOf(der).spki);
  } catch {
    return null;
  }
}

/**
 * Whether the certificate's signature verifies with the issuer certificate's key: SM3withSM2 with an SM2 issuer
 * key, sha256WithRSAEncryption with an RSA one. (Names are compared by the caller.)
 */
export function certificateSignatureVerifies(der: Buffer, issuerDer: Buffer): boolean {
  try {
    const parts = partsOf(der);
    const issuerSm2 = sm2PublicKeyOfCertificate(issuerDer);
    if (parts.signatureOid === SM3_WITH_SM2_OID)
      return !!issuerSm2 && sm2Verify(parts.tbsDer, parts.signature, issuerSm2);
    if (parts.signatureOid !== SHA256_WITH_RSA || issuerSm2) return false;
    const issuerSpki = Buffer.from(asn1.toDer(partsOf(issuerDer).spki).getBytes(), 'binary');
    const issuerKey = createPublicKey({ key: issuerSpki, format: 'der', type: 'spki' });
    return verify('sha256', parts.tbsDer, issuerKey, parts.signature);
  } catch {
    return false;
  }
}

/** The certificate's SHA-256 fingerprint (hex), as the seal maker signature names its maker. */
export function certificateSha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}
