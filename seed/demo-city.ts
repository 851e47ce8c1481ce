/**
 * Seed data for a realistic city: 晋城市 and its counties, districts and development zone under 山西省, each with an
 * administrative-approval bureau (management unit and seal management department, LM-5, SM-2), issuing and using
 * units, users for every role, and an organisation certificate for every organisation (SM-5(1)). Running it
 * again adds only what is missing.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganisationFunction, UserRole } from '../domain/roles';
import { buildUscc } from '../domain/uscc';
import { loadCertificateAuthority, issueCertificateFor } from '../usecases/certificate-store';
import {
  AppUser,
  Jurisdiction,
  JurisdictionLevel,
  Organisation,
  OrganisationCertificate,
} from '../db/entities';
import { LICENSING_USERS, seedLicensing } from './demo-licensing';

interface JurisdictionSeed {
  key: string;
  id: string;
  name: string;
  level: JurisdictionLevel;
  parentId: string | null;
}

export const JURISDICTIONS: JurisdictionSeed[] = [
  { key: 'sx', id: '140000', name: '山西省', level: 'province', parentId: null },
  { key: 'jc', id: '140500', name: '晋城市', level: 'city', parentId: '140000' },
  { key: 'cq', id: '140502', name: '城区', level: 'district', parentId: '140500' },
  { key: 'qs', id: '140521', name: '沁水县', level: 'county', parentId: '140500' },
  { key: 'yc', id: '140522', name: '阳城县', level: 'county', parentId: '140500' },
  { key: 'lc', id: '140524', name: '陵川县', level: 'county', parentId: '140500' },
  { key: 'zz', id: '140525', name: '泽州县', level: 'county', parentId: '140500' },
  { key: 'gp', id: '140581', name: '高平市', level: 'county', parentId: '140500' },
  // Development zones have no GB/T 2260 code; the platform gives this one a code of its own.
  { key: 'kfq', id: '140571', name: '晋城经济技术开发区', level: 'zone', parentId: '140500' },
];

interface OrganisationSeed {
  id: string;
  name: string;
  jurisdictionKey: string;
  functions: OrganisationFunction[];
  /** USCC registration department and kind: 11 = government body, 91 = enterprise. */
  usccKind?: '11' | '91';
}

function organisations(): OrganisationSeed[] {
  const list: OrganisationSeed[] = [
    {
      id: 'sx-approval',
      name: '山西省行政审批服务管理局',
      jurisdictionKey: 'sx',
      functions: ['management_unit', 'seal_management_department'],
    },
  ];
  for (const j of JURISDICTIONS.filter((x) => x.key !== 'sx')) {
    const prefix = j.key === 'jc' ? '晋城市' : j.name;
    list.push(
      {
        id: `${j.key}-approval`,
        name: `${prefix}行政审批服务管理局`,
        jurisdictionKey: j.key,
        functions: ['management_unit', 'seal_management_department', 'issuing_unit'],
      },
      {
        id: `${j.key}-amr`,
        name: `${prefix}市场监督管理局`,
        jurisdictionKey: j.key,
        functions: ['issuing_unit', 'using_unit'],
      },
    );
    if (j.key !== 'kfq') {
      list.push(
        {
          id: `${j.key}-housing`,
          name: `${prefix}住房和城乡建设局`,
          jurisdictionKey: j.key,
          functions: ['issuing_unit', 'using_unit'],
        },
        {
          id: `${j.key}-police`,
          name: `${prefix}公安局`,
          jurisdictionKey: j.key,
          functions: ['issuing_unit', 'using_unit'],
        },
      );
    }
  }
  list.push(
    {
      id: 'jc-hrss',
      name: '晋城市人力资源和社会保障局',
      jurisdictionKey: 'jc',
      functions: ['using_unit', 'issuing_unit'],
    },
    {
      id: 'jc-power',
      name: '国网山西省电力公司晋城供电公司',
      jurisdictionKey: 'jc',
      functions: ['using_unit'], // LM-31: public utilities use licences under the same rules
      usccKind: '91',
    },
  );
  return list;
}

interface UserSeed {
  username: string;
  displayName: string;
  organisationId: string;
  roles: UserRole[];
}

/** The `sub` of a demo account at the embedded OIDC provider: stable, and not the login name. */
export const demoSubject = (username: string): string => `demo-${username}`;

/** A demo account's password at the embedded OIDC provider (README, dev accounts): the login name, then `@2026`. */
export const demoPassword = (username: string): string => `${username}@2026`;

/** The demo accounts as the embedded OIDC provider holds them (infra/oidc-provider.ts hashes the passwords). */
export function demoProviderAccounts() {
  // Issue 16: the holders sign in like everyone else (LM-20: after real-name authentication at the provider).
  const holders = LICENSING_USERS.filter((u) => (u.roles as readonly string[]).includes('licence_holder'));
  return [...DEV_USERS, ...holders].map((u) => ({
    subject: demoSubject(u.username),
    username: u.username,
    displayName: u.displayName,
    email: `${u.username}@${SEED_EMAIL_DOMAIN}`,
    password: demoPassword(u.username),
  }));
}

export const DEV_USERS: UserSeed[] = [
  { username: 'zz-amr-clerk', displayName: '张丽', organisationId: 'zz-amr', roles: ['seal_applicant'] },
  { username: 'zz-amr-issuer', displayName: '陈晓东', organisationId: 'zz-amr', roles: ['licence_issuer'] },
  { username: 'zz-amr-leader', displayName: '郭志强', organisationId: 'zz-amr', roles: ['unit_leader'] },
  { username: 'zz-amr-deputy', displayName: '马红', organisationId: 'zz-amr', roles: ['seal_applicant'] },
  {
    username: 'zz-approval-reviewer',
    displayName: '王建国',
    organisationId: 'zz-approval',
    roles: ['seal_reviewer'],
  },
  // Two more reviewers of 泽州县行政审批服务管理局, so that countersign (会签), any-one (或签), transfer, delegation
  // and added signers can be exercised inside one department.
  {
    username: 'zz-approval-reviewer2',
    displayName: '杨帆',
    organisationId: 'zz-approval',
    roles: ['seal_reviewer'],
  },
  {
    username: 'zz-approval-reviewer3',
    displayName: '黄晓燕',
    organisationId: 'zz-approval',
    roles: ['seal_reviewer'],
  },
  {
    username: 'zz-approval-leader',
    displayName: '何永刚',
    organisationId: 'zz-approval',
    roles: ['unit_leader', 'seal_reviewer'],
  },
  {
    username: 'zz-approval-supervisor',
    displayName: '刘芳',
    organisationId: 'zz-approval',
    roles: ['supervisor'],
  },
  // A county's platform administrator: maintains the approval flows of 泽州县's units, never the city's defaults.
  {
    username: 'zz-admin',
    displayName: '韩磊',
    organisationId: 'zz-approval',
    roles: ['platform_admin'],
  },
  {
    username: 'jc-approval-reviewer',
    displayName: '李明',
    organisationId: 'jc-approval',
    roles: ['seal_reviewer'],
  },
  {
    username: 'jc-admin',
    displayName: '孙伟',
    organisationId: 'jc-approval',
    roles: ['platform_admin', 'supervisor'],
  },
  { username: 'jc-amr-clerk', displayName: '周静', organisationId: 'jc-amr', roles: ['seal_applicant'] },
  { username: 'gp-amr-clerk', displayName: '吴涛', organisationId: 'gp-amr', roles: ['seal_applicant'] },
  // Another county's licence issuer: may not see 泽州县's licences (LM-5).
  { username: 'gp-amr-issuer', displayName: '钱进', organisationId: 'gp-amr', roles: ['licence_issuer'] },
  {
    username: 'zz-police-issuer',
    displayName: '秦刚',
    organisationId: 'zz-police',
    roles: ['licence_issuer'],
  },
  {
    username: 'gp-approval-reviewer',
    displayName: '郑华',
    organisationId: 'gp-approval',
    roles: ['seal_reviewer'],
  },
  {
    username: 'sx-seal-reviewer',
    displayName: '赵敏',
    organisationId: 'sx-approval',
    roles: ['seal_reviewer'],
  },
  {
    username: 'jc-hrss-verifier',
    displayName: '冯磊',
    organisationId: 'jc-hrss',
    roles: ['licence_verifier'],
  },
  // Reads and exports the audit log (LM-25), at the city's management unit.
  { username: 'jc-auditor', displayName: '曹雪', organisationId: 'jc-approval', roles: ['auditor'] },
  // Designated dispute staff of issuing units (LM-23, LM-24): they mark and answer disputes over their licences.
  { username: 'zz-amr-disputes', displayName: '宋佳', organisationId: 'zz-amr', roles: ['dispute_handler'] },
  {
    username: 'zz-police-disputes',
    displayName: '程伟',
    organisationId: 'zz-police',
    roles: ['dispute_handler'],
  },
  { username: 'gp-amr-disputes', displayName: '罗敏', organisationId: 'gp-amr', roles: ['dispute_handler'] },
];

export const SEED_EMAIL_DOMAIN = 'jincheng.example';

/** `publicUrl`: where the platform is served, named in the organisation certificates (CRL, OCSP). */
export async function seed(em: EntityManager, pkiMasterKey: string, publicUrl: string | null): Promise<void> {
  const jurisdictions = new Map(JURISDICTIONS.map((j) => [j.key, j]));
  for (const j of JURISDICTIONS) {
    await em.upsert(
      Jurisdiction,
      { id: j.id, name: j.name, level: j.level, parentId: j.parentId, sealReviewChain: null },
      { onConflictAction: 'ignore' },
    );
  }
  const orgSeeds = organisations();
  for (const [index, o] of orgSeeds.entries()) {
    const j = jurisdictions.get(o.jurisdictionKey)!;
    const [department, kind] = (o.usccKind ?? '11').split('');
    const uscc = buildUscc(department!, kind!, j.id, `0${String(12000 + index * 37).padStart(7, '0')}`);
    await em.upsert(
      Organisation,
      { id: o.id, name: o.name, uscc, jurisdictionId: j.id, functions: o.functions, createdAt: new Date() },
      { onConflictAction: 'ignore' },
    );
  }
  for (const u of DEV_USERS) {
    await em.upsert(
      AppUser,
      {
        id: `user-${u.username}`,
        username: u.username,
        displayName: u.displayName,
        email: `${u.username}@${SEED_EMAIL_DOMAIN}`,
        organisationId: u.organisationId,
        roles: u.roles,
        active: true,
        oidcSubject: demoSubject(u.username),
      },
      { onConflictAction: 'ignore' },
    );
    // Accounts seeded before subjects existed get theirs.
    await em.nativeUpdate(
      AppUser,
      { username: u.username, oidcSubject: null },
      { oidcSubject: demoSubject(u.username) },
    );
  }
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  const withCertificate = new Set(
    (await em.find(OrganisationCertificate, {}, { fields: ['organisationId'] })).map((c) => c.organisationId),
  );
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + 2);
  for (const organisation of await em.find(Organisation, {})) {
    if (withCertificate.has(organisation.id)) continue;
    const j = JURISDICTIONS.find((x) => x.id === organisation.jurisdictionId)!;
    issueCertificateFor(
      em,
      ca,
      organisation,
      { province: '山西省', locality: j.level === 'province' ? '太原市' : '晋城市' },
      { notBefore: new Date(now.getTime() - 60_000), notAfter },
      pkiMasterKey,
      publicUrl,
    );
  }
  await em.flush();
  await seedLicensing(em, pkiMasterKey, SEED_EMAIL_DOMAIN);
}
