/**
 * Roles. An organisation has functions on the platform (LM-3, SM-2); a user acts through roles inside one
 * organisation. Authorisation combines both with the jurisdiction tree (LM-5).
 */
export const ORGANISATION_FUNCTIONS = [
  'management_unit', // 管理单位 (LM-5)
  'issuing_unit', // 制发单位 (LM-7)
  'using_unit', // 应用单位 (LM-14)
  'seal_management_department', // 印章管理部门 (SM-2)
] as const;
export type OrganisationFunction = (typeof ORGANISATION_FUNCTIONS)[number];

export const USER_ROLES = [
  'seal_applicant', // may apply for seals on behalf of the user's organisation (SM-5)
  'seal_reviewer', // reviews seal applications for a seal management department (SM-5(3))
  'licence_issuer', // operates an issuing unit's licences (LM-7)
  'licence_verifier', // staff of a using unit who verify shown licences (WP-(三)3)
  'supervisor', // management unit staff watching deadlines and ordering rectification (LM-28, LM-30)
  'platform_admin', // administers the platform for the city management unit (LM-5)
  'unit_leader', // leads an organisation: approves its seal use, legal-name seal included (SM-12, SM-14)
  'licence_system', // an issuing unit's business system, issuing licences through the API as cases close (LM-7)
  'licence_holder', // a holder (citizen or organisation) looking at their own licences (LM-16)
  'auditor', // reads and exports the audit log (LM-25)
  'dispute_handler', // an issuing unit's designated staff for disputes: marks and answers them (LM-23, LM-24)
] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const ROLE_LABELS: Record<UserRole, string> = {
  seal_applicant: '印章申请人',
  seal_reviewer: '印章审核人',
  licence_issuer: '证照制发人员',
  licence_verifier: '证照核验人员',
  supervisor: '监督管理人员',
  platform_admin: '平台管理员',
  unit_leader: '单位负责人',
  licence_system: '业务系统接入账号',
  licence_holder: '持证人',
  auditor: '审计人员',
  dispute_handler: '异议处理人员',
};

export const FUNCTION_LABELS: Record<OrganisationFunction, string> = {
  management_unit: '管理单位',
  issuing_unit: '制发单位',
  using_unit: '应用单位',
  seal_management_department: '印章管理部门',
};
