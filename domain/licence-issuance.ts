/**
 * What an issuing unit's business system sends to issue a licence (LM-7, LM-9) or a new version of one, and the
 * checks against the catalogue: the data items against the type's schema, the holder's code against its check
 * character (DESIGN §3), the validity against the type's rule. Each problem names its field, as the API answers.
 */
import { checkUscc } from './uscc';
import { isValidCitizenId } from './citizen-id';
import {
  DataProblem,
  dataProblems,
  HolderCodeType,
  holderCodeTypeFor,
  LicenceTypeDefinition,
} from './licence-type';
import { validityEnd } from './licence';
import { shanghaiDateOf } from './calendar';
import type { IssueLicenceBody } from './licence-issuance-schema';

export type { ChangeLicenceBody, HolderInput, IssueLicenceBody } from './licence-issuance-schema';

/** The exchange-platform event (LM-8) for a first issuance and for a new version. */
export function exchangeEvent(kind: 'issue' | 'change'): string {
  return kind === 'issue' ? 'licence.issued' : 'licence.changed';
}

/** Where an issuance request stands: stored, waiting for a seal-use authorisation (SM-12), issued, or failed. */
export type IssuanceStatus = 'pending' | 'awaiting_seal' | 'issued' | 'failed';

export const CHANGE_KINDS = ['correction', 'change'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export const CHANGE_KIND_LABELS: Record<ChangeKind, string> = { correction: '更正', change: '变更' };

/** The holder's code against its type's check character: citizen ID (GB 11643) or USCC (GB 32100). */
export function holderCodeProblem(
  code: string,
  codeType: HolderCodeType,
  legacyCodeConfirmed = false,
): DataProblem | undefined {
  const field = 'holder.code';
  if (codeType === '111') {
    if (!/^\d{17}[\dX]$/.test(code)) {
      return { field, rule: 'invalid_format', message: '公民身份号码应为 17 位数字加一位校验码（数字或 X）' };
    }
    return isValidCitizenId(code)
      ? undefined
      : { field, rule: 'invalid_check_character', message: '公民身份号码校验码错误（GB 11643）' };
  }
  const check = checkUscc(code);
  if (!check.valid) return { field, rule: 'invalid_format', message: check.reason };
  if (!check.checkOk && !legacyCodeConfirmed) {
    return {
      field,
      rule: 'invalid_check_character',
      message: `统一社会信用代码校验码错误（GB 32100，应为 ${check.expected}）；如确属早期赋码，请同时提交 holder.legacyCodeConfirmed: true`,
    };
  }
  return undefined;
}

export interface IssuancePlan {
  holderCodeType: HolderCodeType;
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  /** A USCC whose check failed but which the business system confirmed as a legacy code. */
  legacyCodeWarning: boolean;
}

/** Every problem of a first-issuance request against the type, or the plan for issuing it. */
export function planIssuance(
  definition: LicenceTypeDefinition,
  body: IssueLicenceBody,
): { problems: DataProblem[] } | { plan: IssuancePlan } {
  const problems: DataProblem[] = [...dataProblems(definition.dataItems, body.data)];
  const holderCodeType = holderCodeTypeFor(definition.holderCategory);
  const holderProblem = holderCodeProblem(body.holder.code, holderCodeType, body.holder.legacyCodeConfirmed);
  if (holderProblem) problems.push(holderProblem);
  const issueDate = body.issueDate ?? shanghaiDateOf(new Date(body.caseClosedAt));
  const validFrom = body.validFrom ?? issueDate;
  const end = validityEnd(definition.validity, validFrom, body.validTo);
  if ('problem' in end) problems.push({ field: 'validTo', rule: 'validity_rule', message: end.problem });
  if (problems.length > 0 || 'problem' in end) return { problems };
  const legacyCodeWarning =
    holderCodeType === '001' && !(checkUscc(body.holder.code) as { checkOk?: boolean }).checkOk;
  return { plan: { holderCodeType, issueDate, validFrom, validTo: end.validTo, legacyCodeWarning } };
}
