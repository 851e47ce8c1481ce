/**
 * Seals for tests that need one without walking the whole application: made by the real seal-making activity
 * (SM-7 checks, the CA's signature) from an application row inserted as approved.
 */
import { randomUUID } from 'node:crypto';
import { createSigningActivities } from '../../activities/signing';
import { AppUser, SealApplication } from '../../db/entities';
import type { SealKind } from '../../domain/seal';
import { TEST_PKI_MASTER_KEY } from './env';
import { pngImprint } from './fixtures';
import type { TestPlatform } from './platform';

/** A pending seal application of `organisationId` as stored before its workflow runs (status pending). */
export function sealApplicationRow(id: string, name: string, organisationId = 'zz-amr') {
  return {
    id,
    organisationId,
    applicantId: 'user-zz-amr-clerk',
    kind: 'business' as SealKind,
    sealName: name,
    imprintMediaType: 'image/png',
    imprint: pngImprint(),
    widthMm: 42,
    heightMm: 42,
    custodianName: '张丽',
    reason: '用印测试所需的印章',
    chain: [],
    workflowId: `seal-application-${id}`,
    status: 'pending' as const,
    createdAt: new Date(),
  };
}

export async function makeTestSeal(
  t: TestPlatform,
  kind: SealKind,
  name: string,
  organisationId = 'zz-amr',
  applicant = 'zz-amr-clerk',
): Promise<string> {
  const em = t.em();
  const applicationId = randomUUID();
  await em.insert(SealApplication, {
    ...sealApplicationRow(applicationId, name, organisationId),
    applicantId: (await em.findOneOrFail(AppUser, { username: applicant })).id,
    kind,
  });
  // The seal-making activity of the signing task queue (issue 11 Build 5), called directly.
  const activities = createSigningActivities({
    orm: t.platform.orm,
    pkiMasterKey: TEST_PKI_MASTER_KEY,
    publicUrl: t.workerEnv.PUBLIC_URL!,
  });
  return (await activities.makeSeal({ applicationId })).sealId;
}
