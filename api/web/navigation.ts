/**
 * The menu, in one table: each entry's label, where it goes, who may see it and the `nav` key that marks it active.
 * An entry is shown only to the roles whose requests its page answers with 200 (issue 17: no menu item leads a
 * role to a 403); the layout renders the list. `homeOf` is where `/` sends a signed-in user: their 工作台.
 */
import type { UserRole } from '../../domain/roles';
import { isManagementOverseer, isUsageListStaff } from '../access';
import type { Principal } from '../principal';

export interface NavEntry {
  /** The `nav` key of the pages that belong to this entry. */
  key: string;
  label: string;
  href: string;
  /** An element id for tests and scripts, where one is needed. */
  id?: string;
  visible: (p: Principal) => boolean;
}

const has =
  (...roles: UserRole[]) =>
  (p: Principal) =>
    p.roles.some((r) => roles.includes(r));

/** Staff of a unit who work on approvals (apply, review, sign off or oversee). */
const APPROVAL_ROLES: UserRole[] = [
  'seal_applicant',
  'seal_reviewer',
  'unit_leader',
  'licence_issuer',
  'supervisor',
  'platform_admin',
];

/** Those who land on the 工作台 (/home); holders and verifiers have their own first pages. */
const WORKBENCH_ROLES: UserRole[] = [...APPROVAL_ROLES, 'licence_system', 'auditor', 'dispute_handler'];

/** A management unit's administrators keep the units and people of their jurisdiction (issue 15). */
const isUnitAdmin = (p: Principal) =>
  p.roles.includes('platform_admin') && p.organisationFunctions.includes('management_unit');

export const NAV_ENTRIES: NavEntry[] = [
  { key: 'home', label: '工作台', href: '/home', visible: has(...WORKBENCH_ROLES) },
  // Issue 16: 我的证照 (LM-20) and the verifier's workbench (LM-21).
  { key: 'my', label: '我的证照', href: '/my/licences', visible: has('licence_holder') },
  { key: 'verifier', label: '用证核验', href: '/verifier', visible: has('licence_verifier') },
  // 用证清单 (issue 16 Build 5): a using unit's staff (LM-12, LM-14).
  { key: 'usage_list', label: '用证清单', href: '/usage-list', visible: isUsageListStaff },
  { key: 'tasks', label: '待办', href: '/tasks', id: 'nav-tasks', visible: has(...APPROVAL_ROLES) },
  { key: 'applications', label: '我的申请', href: '/seal-applications', visible: has('seal_applicant') },
  {
    key: 'seals',
    label: '本单位印章',
    href: '/seals',
    visible: has('seal_applicant', 'seal_reviewer', 'unit_leader', 'licence_issuer', 'platform_admin'),
  },
  {
    key: 'licence_types',
    label: '证照目录',
    href: '/licence-types',
    visible: has('licence_issuer', 'licence_system', 'supervisor', 'platform_admin', 'dispute_handler'),
  },
  // Service items and the licences they need (issue 16 Build 7, WP-(一)1): public pages, in the staff's menu.
  {
    key: 'service_items',
    label: '服务事项',
    href: '/service-items',
    visible: has(...WORKBENCH_ROLES, 'licence_verifier'),
  },
  // 证照管理: the issuing unit's staff and the management unit's overseers (LM-7, LM-28).
  {
    key: 'licences',
    label: '证照管理',
    href: '/licences',
    visible: (p) => has('licence_issuer', 'licence_system')(p) || isManagementOverseer(p),
  },
  // LM-9: late arrivals are the management unit's view.
  { key: 'licences_late', label: '逾期归集', href: '/licences/late', visible: isManagementOverseer },
  // 证照异议: the issuing unit's dispute staff (LM-23, LM-24).
  { key: 'disputes', label: '证照异议', href: '/disputes', visible: has('dispute_handler') },
  // Force majeure (LM-11): the issuing unit reports, its management unit acknowledges.
  {
    key: 'force_majeure',
    label: '不可抗力报备',
    href: '/force-majeure',
    visible: (p) => has('licence_issuer', 'licence_system')(p) || isManagementOverseer(p),
  },
  // 存量转换 (issue 19): the issuing unit's licence staff.
  {
    key: 'conversions',
    label: '存量转换',
    href: '/conversions',
    visible: has('licence_issuer', 'licence_system'),
  },
  {
    key: 'conversion_completion',
    label: '转换进度',
    href: '/conversion/completion',
    visible: isManagementOverseer,
  },
  // 督办: supervisors and administrators of a management unit (LM-28).
  { key: 'supervision', label: '督办', href: '/supervision', visible: isManagementOverseer },
  // Issue 14: every deadline kind of the jurisdiction, and the assessment (LM-29).
  { key: 'findings', label: '监督检查', href: '/supervision/findings', visible: isManagementOverseer },
  // Rectification orders: a management unit's of its jurisdiction, a unit's leader and staff their unit's (LM-30).
  {
    key: 'rectification',
    label: '整改通知',
    href: '/rectification-orders',
    visible: (p) => isManagementOverseer(p) || has('unit_leader', 'licence_issuer', 'dispute_handler')(p),
  },
  // LM-28: random samples of a unit's licences and their checklists.
  { key: 'samples', label: '随机抽查', href: '/supervision/samples', visible: isManagementOverseer },
  { key: 'sla', label: '时限监控', href: '/supervision/sla', visible: isManagementOverseer },
  { key: 'assessment', label: '考核', href: '/reports/assessment', visible: isManagementOverseer },
  { key: 'organisations', label: '机构与人员', href: '/organisations', visible: isUnitAdmin },
  { key: 'flows', label: '流程定义', href: '/flows', visible: has('platform_admin') },
  { key: 'calendar', label: '工作日历', href: '/calendar', visible: has('platform_admin') },
  { key: 'audit', label: '审计日志', href: '/audit', visible: has('auditor') },
  // Issue 20 Build 3: the anchors beyond the city that verification trusts.
  {
    key: 'trust_anchors',
    label: '信任列表',
    href: '/trust-anchors',
    visible: has('platform_admin', 'auditor'),
  },
  // The API documentation is for those who connect systems: administrators and business-system accounts.
  {
    key: 'api_docs',
    label: '接口文档',
    href: '/api/docs/',
    visible: has('platform_admin', 'licence_system'),
  },
];

export interface NavLink {
  label: string;
  href: string;
  id?: string;
  active: boolean;
  /** The 待办 count beside 待办. */
  count?: number;
}

/** The menu of one user, the entry of the current page marked; 待办 shows when tasks wait, whatever the role. */
export function navFor(principal: Principal, active: string | undefined, pending = 0): NavLink[] {
  return NAV_ENTRIES.filter((e) => e.visible(principal) || (e.key === 'tasks' && pending > 0)).map((e) => ({
    label: e.label,
    href: e.href,
    id: e.id,
    active: e.key === active,
    ...(e.key === 'tasks' && pending > 0 ? { count: pending } : {}),
  }));
}

/** A user's first page after signing in: their 工作台. */
export function homeOf(principal: Principal): string {
  if (has(...WORKBENCH_ROLES)(principal)) return '/home';
  // Issue 16: holders land on 我的证照 (LM-20), using units' verifiers on their workbench (LM-21).
  if (principal.roles.includes('licence_holder')) return '/my/licences';
  if (principal.roles.includes('licence_verifier')) return '/verifier';
  return '/verify';
}
