/**
 * Demo-city data for e-licences: every issuing unit's licence-issuing seal (证照专用章), registered at platform
 * setup as existing seals (存量印章) bound to the unit's certificate and signed by the CA as seal maker; the
 * business-system account of 泽州县市场监督管理局; holder accounts (a citizen and an enterprise); using units'
 * usage lists (LM-14); and the licence catalogue (db/licence-catalogue-seed.ts). Standing seal-use authorisations
 * are not seeded: each unit obtains one through the seal-use approval (SM-12) like any other use of its seal.
 * Running it again adds only what is missing.
 */
import { standardImprint } from '../presentation/seal-imprint';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { citizenIdCheckChar } from '../domain/citizen-id';
import { shanghaiDate } from '../domain/format';
import { sealCode } from '../domain/seal';
import { buildUscc } from '../domain/uscc';
import { buildSealInfo, signSealInfo } from '../pki/seal-maker';
import { currentCertificate, loadCertificateAuthority } from '../usecases/certificate-store';
import { recordSealMade } from '../usecases/seal-status';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser, Organisation, Seal } from '../db/entities';
import { seededCustodians } from '../db/seal-custodians';
import { LicenceUsageGrant } from '../db/licence-entities';
import { seedLicenceCatalogue } from '../db/licence-catalogue-seed';
import type { Submission } from '../domain/service-item';

/** A citizen holder for the demo: 张伟, born 1990-03-15 in 泽州县. */
export const DEMO_CITIZEN_ID = `14052519900315123${citizenIdCheckChar('14052519900315123')}`;
/** An enterprise holder for the demo: 晋城市兴晋煤业有限公司 (an enterprise code under 泽州县). */
export const DEMO_ENTERPRISE_USCC = buildUscc('9', '1', '140525', '0MA0K7L2');

export const LICENSING_USERS = [
  {
    username: 'zz-amr-system',
    displayName: '泽州县市场监管业务系统',
    organisationId: 'zz-amr',
    roles: ['licence_system'],
    holderCode: null,
  },
  {
    username: 'holder-zhangwei',
    displayName: '张伟',
    organisationId: 'public',
    roles: ['licence_holder'],
    holderCode: DEMO_CITIZEN_ID,
  },
  {
    username: 'holder-xingjin',
    displayName: '晋城市兴晋煤业有限公司',
    organisationId: 'public',
    roles: ['licence_holder'],
    holderCode: DEMO_ENTERPRISE_USCC,
  },
] as const;

/**
 * The licence seal's imprint: the standard round seal (issue 18 Build 5, presentation/seal-imprint.ts), the unit's
 * name arched along the ring — the drawing the licence face shows.
 */
export function licenceSealImprint(organisationName: string): Buffer {
  return Buffer.from(
    standardImprint({ shape: 'round', organisationName, purpose: '证照专用章' }).svg,
    'utf8',
  );
}

export function licenceSealName(organisationName: string): string {
  return `${organisationName}证照专用章`;
}

/** The holders' pseudo-organisation: holder accounts belong to no unit, but every account names one. */
async function seedHolderOrganisation(em: EntityManager): Promise<void> {
  await em.upsert(
    Organisation,
    {
      id: 'public',
      name: '社会公众（持证人）',
      uscc: buildUscc('9', '9', '140500', '0PUBL1C1'),
      jurisdictionId: '140500',
      functions: [],
      createdAt: new Date(),
    },
    { onConflictAction: 'ignore' },
  );
}

export async function seedLicensing(
  em: EntityManager,
  pkiMasterKey: string,
  emailDomain: string,
): Promise<void> {
  await seedHolderOrganisation(em);
  for (const u of LICENSING_USERS) {
    await em.upsert(
      AppUser,
      {
        id: `user-${u.username}`,
        username: u.username,
        displayName: u.displayName,
        email: `${u.username}@${emailDomain}`,
        organisationId: u.organisationId,
        roles: [...u.roles],
        active: true,
        holderCode: u.holderCode,
        // Issue 16: holders sign in at the identity provider; the subject is demo-<username> (seed/demo-city.ts).
        oidcSubject: (u.roles as readonly string[]).includes('licence_holder') ? `demo-${u.username}` : null,
      },
      { onConflictAction: 'ignore' },
    );
    if ((u.roles as readonly string[]).includes('licence_holder')) {
      await em.nativeUpdate(
        AppUser,
        { username: u.username, oidcSubject: null },
        { oidcSubject: `demo-${u.username}` },
      );
    }
  }
  await seedLicenceSeals(em, pkiMasterKey);
  await seedLicenceCatalogue(em);
  await seedUsageGrants(em);
  await seedServiceItems(em);
}

async function seedLicenceSeals(em: EntityManager, pkiMasterKey: string): Promise<void> {
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  const issuers = (await em.find(Organisation, {}, { orderBy: { id: 'asc' } })).filter((o) =>
    o.functions.includes('issuing_unit'),
  );
  for (const organisation of issuers) {
    const name = licenceSealName(organisation.name);
    if (await em.findOne(Seal, { organisationId: organisation.id, name })) continue;
    const certificate = await currentCertificate(em, organisation.id);
    if (!certificate) continue;
    const now = new Date();
    const serial = Number((await em.getConnection().execute("select nextval('seal_serial_seq') as n"))[0].n);
    const imprint = licenceSealImprint(organisation.name);
    const sealInfo = buildSealInfo({
      esId: sealCode(organisation.jurisdictionId, Number(shanghaiDate(now).slice(0, 4)), serial),
      kind: 'business',
      name,
      certificatePem: certificate.certificatePem,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      imprintMediaType: 'image/svg+xml',
      imprint,
      widthMm: 40,
      heightMm: 40,
      now,
    });
    const id = randomUUID();
    // SM-14: a seeded seal names its custodian and deputy, so that it signs (db/seal-custodians.ts).
    const keepers = await seededCustodians(em, organisation.id);
    em.create(Seal, {
      id,
      esId: sealInfo.esId,
      applicationId: null,
      organisationId: organisation.id,
      certificateId: certificate.id,
      kind: 'business',
      name,
      validFrom: certificate.notBefore,
      validTo: certificate.notAfter,
      status: 'active',
      statusSince: now,
      imprintMediaType: 'image/svg+xml',
      imprint,
      widthMm: 40,
      heightMm: 40,
      custodianName: keepers?.custodian.displayName ?? organisation.name,
      custodianId: keepers?.custodian.id ?? null,
      deputyCustodianId: keepers?.deputy?.id ?? null,
      sealInfo,
      makerSignature: signSealInfo(sealInfo, ca.certificatePem, ca.privateKeyPem),
      createdAt: now,
    });
    await em.flush();
    await recordSealMade(em, id, now);
    await recordAudit(em, {
      actor: SYSTEM_ACTOR,
      action: 'seal.register',
      targetType: 'seal',
      targetId: id,
      outcome: 'success',
      details: { esId: sealInfo.esId, name, reason: '平台初始化登记的存量印章' },
    });
  }
  await em.flush();
}

/** LM-14: which using unit may look up which types; 人社局 sees identity cards in full for social insurance. */
async function seedUsageGrants(em: EntityManager): Promise<void> {
  const grants = [
    { organisationId: 'jc-hrss', typeName: '居民身份证', purpose: '社会保险登记核验身份', fullData: true },
    { organisationId: 'jc-hrss', typeName: '营业执照', purpose: '用人单位社会保险登记', fullData: false },
    { organisationId: 'jc-power', typeName: '营业执照', purpose: '企业用电报装', fullData: false },
    { organisationId: 'jc-power', typeName: '不动产权证书', purpose: '用电报装核验产权', fullData: false },
  ];
  const rows: Array<{ code: string; name: string }> = await em.execute(
    `select distinct code, name from licence_type where status = 'published'`,
  );
  for (const g of grants) {
    const type = rows.find((r) => r.name === g.typeName);
    if (!type) continue;
    await em.upsert(
      LicenceUsageGrant,
      { organisationId: g.organisationId, typeCode: type.code, purpose: g.purpose, fullData: g.fullData },
      { onConflictAction: 'ignore' },
    );
  }
}

type SeededLicence = [licenceName: string, submission: Submission, note?: string];

/**
 * Issue 16 Build 7 (WP-(一)1, LM-15): a few service items and the licences each needs, with whether paper is still
 * required; a licence the catalogue holds is linked to its type by name.
 */
const SERVICE_ITEMS: Array<{
  code: string;
  name: string;
  organisationId: string;
  summary: string;
  licences: SeededLicence[];
}> = [
  {
    code: '000172008000',
    name: '食品经营许可',
    organisationId: 'zz-amr',
    summary: '从事食品销售和餐饮服务活动的经营者申请食品经营许可证。',
    licences: [
      ['营业执照', 'exempt', '由市场监管部门通过电子证照共享获取'],
      ['居民身份证', 'electronic', '法定代表人或负责人的身份证明'],
      ['食品从业人员健康证明', 'paper'],
    ],
  },
  {
    code: '000104102000',
    name: '企业变更登记',
    organisationId: 'zz-amr',
    summary: '企业登记事项发生变更时申请变更登记。',
    licences: [
      ['营业执照', 'electronic'],
      ['居民身份证', 'electronic', '法定代表人的身份证明'],
    ],
  },
  {
    code: '000133001000',
    name: '社会保险登记',
    organisationId: 'jc-hrss',
    summary: '用人单位为职工办理社会保险登记。',
    licences: [
      ['营业执照', 'exempt'],
      ['居民身份证', 'electronic', '经办人的身份证明'],
    ],
  },
  {
    code: '000141001000',
    name: '企业用电报装',
    organisationId: 'jc-power',
    summary: '企业新装或增容用电。',
    licences: [
      ['营业执照', 'exempt'],
      ['不动产权证书', 'electronic', '用电地址的产权证明'],
    ],
  },
  {
    code: '000109003000',
    name: '建筑施工企业安全生产许可',
    organisationId: 'jc-housing',
    summary: '建筑施工企业申请安全生产许可证。',
    licences: [
      ['营业执照', 'exempt'],
      ['安全生产管理人员考核合格证书', 'paper'],
    ],
  },
];

async function seedServiceItems(em: EntityManager): Promise<void> {
  const types: Array<{ code: string; name: string }> = await em.execute(
    `select distinct code, name from licence_type where status = 'published'`,
  );
  for (const [position, item] of SERVICE_ITEMS.entries()) {
    const added: unknown[] = await em.execute(
      `insert into service_item (code, name, organisation_id, summary, position) values (?, ?, ?, ?, ?)
        on conflict (code) do nothing returning code`,
      [item.code, item.name, item.organisationId, item.summary, position],
    );
    if (added.length === 0) continue;
    for (const [i, [licenceName, submission, note]] of item.licences.entries()) {
      const type = types.find((t) => t.name === licenceName);
      await em.execute(
        `insert into service_item_licence (service_item_code, position, licence_name, type_code, submission, note)
          values (?, ?, ?, ?, ?, ?)`,
        [item.code, i, licenceName, type?.code ?? null, submission, note ?? ''],
      );
    }
  }
}
