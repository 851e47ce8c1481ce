/**
 * Organisations and people kept in the platform (issue 15): what a change may be, and which roles an
 * organisation's functions allow (LM-3, SM-2: a seal reviewer belongs to a seal management department). Pure.
 */
import { z } from 'zod';
import type { OrganisationFunction, UserRole } from './roles';
import { checkUscc } from './uscc';

export const ORGANISATION_CHANGE_KINDS = ['baseline', 'created', 'updated', 'closed', 'reorganised'] as const;
export type OrganisationChangeKind = (typeof ORGANISATION_CHANGE_KINDS)[number];

/**
 * The functions that allow a role; a role not listed is allowed in any organisation (an applicant, a leader, an
 * administrator of the unit's own accounts, a holder's account).
 */
export const ROLE_REQUIRES: Partial<Record<UserRole, OrganisationFunction[]>> = {
  seal_reviewer: ['seal_management_department'], // SM-5(3)
  licence_issuer: ['issuing_unit'], // LM-7
  licence_system: ['issuing_unit'], // LM-7
  dispute_handler: ['issuing_unit'], // LM-23
  licence_verifier: ['using_unit'], // WP-(三)3
  supervisor: ['management_unit'], // LM-28
  auditor: ['management_unit'], // LM-25
};

/** The roles among `roles` that none of `functions` allows. */
export function rolesNotAllowed(
  roles: readonly UserRole[],
  functions: readonly OrganisationFunction[],
): UserRole[] {
  return roles.filter((r) => {
    const needs = ROLE_REQUIRES[r];
    return needs !== undefined && !needs.some((f) => functions.includes(f));
  });
}

/**
 * A USCC as a unit's record must have it: well formed and with the right check character (GB 32100-2015).
 * Returns the reason in Chinese, or null.
 */
export function usccProblem(code: string): string | null {
  const check = checkUscc(code);
  if (!check.valid) return check.reason;
  if (!check.checkOk) return `统一社会信用代码校验位错误（应为 ${check.expected}）`;
  return null;
}

/** An effective date is a day (YYYY-MM-DD) not after today: a change is recorded when it takes effect. */
export function effectiveDateProblem(effectiveFrom: string, today: string): string | null {
  if (effectiveFrom > today) return '生效日期不能晚于今天';
  return null;
}

/** Text a person types (a name, a reason): trimmed, bounded, without control characters (PostgreSQL refuses NUL). */
export const plainText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => ![...v].some((c) => c < ' ' || c === '\u007f'), '不能包含控制字符');
