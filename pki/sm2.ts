/**
 * SM2 signatures with SM3 hashes (GB/T 32918, GB/T 32905, GM/T 0009), issue 20 Build 2: keys, signing and
 * verification with `sm-crypto-v2` (built on the audited @noble/curves; see the README's library list), and the
 * key and signature encodings other implementations read — the public key as an X.509 SubjectPublicKeyInfo
 * (id-ecPublicKey on the sm2 curve 1.2.156.10197.1.301), the private key as an RFC 5915 ECPrivateKey ("EC PRIVATE
 * KEY" PEM), the signature as DER SEQUENCE { r, s }, computed over SM3(Z || message) with the default
 * distinguishing identifier 1234567812345678 (GM/T 0009 §10), as OpenSSL and Go's emmansun/gmsm do.
 */
import forge from 'node-forge';
import { sm2, sm3 } from 'sm-crypto-v2';

/** SM3withSM2 (GM/T 0006): the signature algorithm of certificates and signature records. */
export const SM3_WITH_SM2_OID = '1.2.156.10197.1.501';
/** The sm2 curve (GM/T 0006), the named curve of an SM2 public key. */
export const SM2_CURVE_OID = '1.2.156.10197.1.301';
export const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';
/** SM3 (GM/T 0006), for hash algorithm identifiers. */
export const SM3_OID = '1.2.156.10197.1.401';

const SM2_PRIVATE_KEY_LABEL = 'EC PRIVATE KEY';

export interface Sm2KeyPair {
  /** 64 hex digits. */
  privateKeyHex: string;
  /** Uncompressed point, 04 || X || Y, 130 hex digits. */
  publicKeyHex: string;
}

const { asn1 } = forge;
const bytesOf = (hex: string) => forge.util.hexToBytes(hex);
const oid = (id: string) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const bitString = (bytes: string) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${bytes}`);

export function generateSm2KeyPair(): Sm2KeyPair {
  const keys = sm2.generateKeyPairHex();
  return { privateKeyHex: keys.privateKey, publicKeyHex: keys.publicKey };
}

export function sm3Hex(data: Uint8Array | string): string {
  return sm3(typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data);
}

/** An SM2 signature (DER, as bytes) over `data` with the default identifier. */
export function sm2Sign(data: Uint8Array, privateKeyHex: string): Buffer {
  return Buffer.from(sm2.doSignature(data, privateKeyHex, { hash: true, der: true }), 'hex');
}

export function sm2Verify(data: Uint8Array, signatureDer: Uint8Array, publicKeyHex: string): boolean {
  try {
    return sm2.doVerifySignature(data, Buffer.from(signatureDer).toString('hex'), publicKeyHex, {
      hash: true,
      der: true,
    });
  } catch {
    return false;
  }
}

/** SubjectPublicKeyInfo of an SM2 public key (forge ASN.1). */
export function sm2SubjectPublicKeyInfo(publicKeyHex: string): forge.asn1.Asn1 {
  return seq([seq([oid(EC_PUBLIC_KEY_OID), oid(SM2_CURVE_OID)]), bitString(bytesOf(publicKeyHex))]);
}

/** The private key as an RFC 5915 ECPrivateKey PEM naming the sm2 curve (readable by OpenSSL and gmsm). */
export function sm2PrivateKeyPem(keys: Sm2KeyPair): string {
  const der = asn1
    .toDer(
      seq([
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, '\u0001'),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytesOf(keys.privateKeyHex)),
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [oid(SM2_CURVE_OID)]),
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 1, true, [bitString(bytesOf(keys.publicKeyHex))]),
      ]),
    )
    .getBytes();
  return forge.pem.encode({ type: SM2_PRIVATE_KEY_LABEL, body: der }, { maxline: 64 });
}

/** Whether a private key PEM is an SM2 key (the platform's other keys are RSA PKCS#8). */
export function isSm2PrivateKeyPem(pem: string): boolean {
  return pem.includes(`-----BEGIN ${SM2_PRIVATE_KEY_LABEL}-----`);
}

/** The private key (hex) of an SM2 "EC PRIVATE KEY" PEM; throws on any other key. */
export function sm2PrivateKeyHex(pem: string): string {
  const [block] = forge.pem.decode(pem);
  if (!block || block.type !== SM2_PRIVATE_KEY_LABEL) throw new Error('not an SM2 private key');
  const parsed = asn1.fromDer(block.body);
  const curve = (parsed.value[2] as forge.asn1.Asn1 | undefined)?.value as forge.asn1.Asn1[] | undefined;
  if (!curve || asn1.derToOid(curve[0]!.value as string) !== SM2_CURVE_OID)
    throw new Error('EC private key is not on the sm2 curve');
  return forge.util.bytesToHex((parsed.value[1] as forge.asn1.Asn1).value as string).padStart(64, '0');
}

/** The SM2 public key (04 || X || Y hex) in a DER SubjectPublicKeyInfo, or null when it holds another key. */
export function sm2PublicKeyOfSpki(spki: forge.asn1.Asn1): string | null {
  const [algorithm, key] = spki.value as forge.asn1.Asn1[];
  const ids = (algorithm!.value as forge.asn1.Asn1[]).map((a) =>
    a.type === asn1.Type.OID ? asn1.derToOid(a.value as string) : null,
  );
  if (ids[0] !== EC_PUBLIC_KEY_OID || ids[1] !== SM2_CURVE_OID) return null;
  const point = forge.util.bytesToHex((key!.value as string).slice(1));
  return point.length === 130 && point.startsWith('04') ? point : null;
}
