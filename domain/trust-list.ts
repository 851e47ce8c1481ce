/**
 * Trust beyond the city (issue 20 Build 3, SM-3, WP-(二)1 mutual recognition): anchors an administrator imports —
 * the provincial CA, other regions' seal platforms and CAs — each with its certificate and the period it is trusted
 * for. A signer certificate or seal that chains to an anchor trusted at the signing time is accepted, and the
 * verification report names the anchor.
 */
import { z } from 'zod';
import { isStrictCertificatePem } from './pem';

/** What an anchor stands for (issue 20 Build 3): the provincial CA, another region's seal platform or its CA. */
export const TRUST_ANCHOR_KINDS = ['provincial_ca', 'regional_seal_platform', 'regional_ca'] as const;
export type TrustAnchorKind = (typeof TRUST_ANCHOR_KINDS)[number];
export const TRUST_ANCHOR_KIND_LABELS: Record<TrustAnchorKind, string> = {
  provincial_ca: '省级电子政务 CA',
  regional_seal_platform: '外地区电子印章平台',
  regional_ca: '外地区 CA',
};

export interface TrustAnchor {
  /** The list's id of the anchor. */
  id: string;
  /** Its name as the report shows it (e.g. 山西省电子政务数字证书认证中心). */
  name: string;
  certificatePem: string;
  /** ISO 8601 instants: the anchor is trusted for signatures made in [validFrom, validTo]. */
  validFrom: string;
  validTo: string;
  /** What it stands for, when the list says (the administered list does; an offline `--trust-list` may not). */
  kind?: TrustAnchorKind;
}

/** Whether the anchor was trusted at `signingTime` (an unparsable time is not). */
export function anchorTrustedAt(anchor: TrustAnchor, signingTime: string): boolean {
  const t = Date.parse(signingTime);
  return Number.isFinite(t) && t >= Date.parse(anchor.validFrom) && t <= Date.parse(anchor.validTo);
}

const instant = z.iso.datetime({ offset: true, message: '应为带时区的 ISO 8601 时间' });

/** A trust list as given (the offline verifier's `--trust-list` file; later the administrator's import). */
export const trustListSchema = z
  .array(
    z
      .object({
        id: z.string().min(1).max(100),
        name: z.string().min(1).max(200),
        certificatePem: z.string().refine(isStrictCertificatePem, { message: '应为且仅为一个 PEM 格式证书' }),
        validFrom: instant,
        validTo: instant,
      })
      .refine((a) => Date.parse(a.validFrom) <= Date.parse(a.validTo), {
        message: '信任起始时间不能晚于结束时间',
        path: ['validTo'],
      }),
  )
  .max(1000);
