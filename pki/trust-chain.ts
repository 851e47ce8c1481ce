/**
 * Where a signer certificate's chain ends (issue 20 Build 3, SM-3, WP-(二)1 mutual recognition): the platform's own
 * CA, else an anchor of the trust list trusted at the signing time (domain/trust-list.ts), else nowhere. The one
 * lookup both the licence verifier (pki/licence-verifier.ts) and the PDF verifier (pki/pades-verify.ts, the
 * detached record in api/services/pdf-verification.ts) use; the anchor found is also the seal maker whose signature
 * the seal info must carry.
 */
import { anchorTrustedAt, TrustAnchor } from '../domain/trust-list';
import { isIssuedBy } from './certificates';
import { safe } from './seal-signer';

export interface ChainEnd {
  /** The certificate that issued the signer's: the platform CA's or the anchor's. */
  certificatePem: string;
  /** The trust list's entry; null for the platform's own CA. */
  anchor: TrustAnchor | null;
}

/**
 * The end of the signer's chain, or null when it chains to nothing trusted (ETSI EN 319 102-1
 * NO_CERTIFICATE_CHAIN_FOUND). `signingTime` (ISO 8601) chooses the anchors in their trust period; the platform's
 * CA is tried first, so the city's own path is unchanged by the list.
 */
export function chainEnd(
  signerCertificatePem: string,
  signingTime: string | null,
  caCertificatePem: string,
  anchors: readonly TrustAnchor[] = [],
): ChainEnd | null {
  if (safe(() => isIssuedBy(signerCertificatePem, caCertificatePem)))
    return { certificatePem: caCertificatePem, anchor: null };
  const anchor = anchors.find(
    (a) =>
      signingTime !== null &&
      anchorTrustedAt(a, signingTime) &&
      safe(() => isIssuedBy(signerCertificatePem, a.certificatePem)),
  );
  return anchor ? { certificatePem: anchor.certificatePem, anchor } : null;
}
