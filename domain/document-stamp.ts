/**
 * Issue 18 Build 1: stamping a PDF under a seal-use authorisation (SM-9, SM-12) — the placement a clerk gives, the
 * limits of an upload, and the seal information (GB/T 38540 fields) a PAdES signature carries in a signed attribute.
 */
import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import type { SealInfo, SealKind, SealMakerSignature } from './seal';

export const STAMP_PDF_MAX_BYTES = 10 * 1024 * 1024;
/** Build 1, batch mode: at most this many PDFs in one batch (each one use of the authorisation). */
export const STAMP_BATCH_MAX_DOCUMENTS = 20;

/** The fields of a stamping request beside the PDF itself (a multipart form: numbers arrive as text). */
export const StampRequestBody = z
  .object({
    authorisationId: z.string({ error: '请选择用印授权' }).trim().min(1, '请选择用印授权').max(100),
    page: z.coerce
      .number({ error: '页码须为正整数' })
      .int('页码须为正整数')
      .min(1, '页码须为正整数')
      .max(10_000, '页码超出范围'),
    xMm: z.coerce
      .number({ error: '印章位置须为数字（毫米）' })
      .min(0, '印章位置不能为负数')
      .max(2_000, '印章位置超出页面'),
    yMm: z.coerce
      .number({ error: '印章位置须为数字（毫米）' })
      .min(0, '印章位置不能为负数')
      .max(2_000, '印章位置超出页面'),
  })
  .strict();
export type StampRequestBody = z.infer<typeof StampRequestBody>;

export interface SealForStamp {
  id: string;
  esId: string;
  name: string;
  kind: SealKind;
  sealInfo: SealInfo;
  makerSignature: SealMakerSignature;
}

/**
 * The seal information a stamp's CMS signature carries (signed attribute, pki/cms.ts OID.sealInformation): the
 * seal as the seal maker signed it, so that the seal is checked from the signed PDF alone, and the authorisation
 * under which it was used.
 */
export function sealInformation(seal: SealForStamp, authorisationId: string): string {
  return canonicalJson({
    esId: seal.esId,
    sealId: seal.id,
    name: seal.name,
    kind: seal.kind,
    sealInfo: seal.sealInfo,
    makerSignature: seal.makerSignature,
    authorisationId,
  });
}
