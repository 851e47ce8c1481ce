/**
 * Issue 15 Build 4: a reorganisation (机构改革) of a unit into its successor, step by step. Each step is one
 * transaction keyed by the reorganisation's id, so a retried activity changes nothing twice:
 * - the successor is created (its dated version), the predecessor closed with its successor named, its staff and
 *   the units under it moved;
 * - the successor's organisation certificate is asked for as an approved certificate request (the reorganisation
 *   is the decision, SM-5(1)); the CA carries it out on the signing task queue like any other;
 * - the predecessor's seals are cancelled with the reorganisation as proof (SM-15), through the seal-status path;
 * - the licence types it issues get a new catalogue version naming the successor (LM-7).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditActor, recordAudit } from '../db/audit';
import { AppUser, Organisation, Seal, Task } from '../db/entities';
import { OrganisationCertificateRequest } from '../db/certificate-entities';
import { LicenceType } from '../db/licence-entities';
import { Reorganisation } from '../db/organisation-entities';
import { changeSealStatus } from './seal-status';
import { ensureBaseline, pickState, writeVersion } from './organisation-versions';

export const reorganisationWorkflowId = (id: string) => `reorganisation-${id}`;
export const successorIdOf = (id: string) => `org-reorg-${id}`;
export const certificateRequestIdOf = (id: string) => `reorg-${id}`;

const key = (id: string, part: string) => `reorganisation:${id}:${part}`;

/** Creates the successor and closes the predecessor; its staff and sub-units move. Once. */
export async function createSuccessor(em: EntityManager, id: string, actor: AuditActor): Promise<string> {
  return em.transactional(async (tx) => {
    const r = await tx.findOneOrFail(Reorganisation, { id });
    if (await tx.findOne(Organisation, { id: r.successorId })) return r.successorId;
    const predecessor = await tx.findOneOrFail(Organisation, { id: r.predecessorId });
    const state = { ...pickState(predecessor), name: r.successorName, uscc: r.successorUscc };
    tx.create(Organisation, { id: r.successorId, ...state, createdAt: new Date(), closedAt: null });
    await tx.flush();
    await writeVersion(tx, r.successorId, 'created', state, false, r.effectiveFrom, r.reason, r.requestedBy);
    await ensureBaseline(tx, predecessor);
    await tx.nativeUpdate(
      Organisation,
      { id: predecessor.id },
      { closedAt: new Date(), successorId: r.successorId },
    );
    await writeVersion(
      tx,
      predecessor.id,
      'reorganised',
      pickState(predecessor),
      true,
      r.effectiveFrom,
      r.reason,
      r.requestedBy,
    );
    const staff = await tx.nativeUpdate(
      AppUser,
      { organisationId: predecessor.id },
      { organisationId: r.successorId },
    );
    const units = await tx.nativeUpdate(
      Organisation,
      { parentId: predecessor.id },
      { parentId: r.successorId },
    );
    await recordAudit(tx, {
      actor,
      action: 'organisation.reorganise',
      targetType: 'organisation',
      targetId: predecessor.id,
      outcome: 'success',
      eventKey: key(id, 'successor'),
      details: { reorganisationId: id, successorId: r.successorId, name: r.successorName, staff, units },
    });
    return r.successorId;
  });
}

/** The successor's certificate request, approved by the reorganisation itself; the CA carries it out. */
export async function requestSuccessorCertificate(
  em: EntityManager,
  id: string,
  actor: AuditActor,
): Promise<string> {
  const requestId = certificateRequestIdOf(id);
  await em.transactional(async (tx) => {
    if (await tx.findOne(OrganisationCertificateRequest, { id: requestId })) return;
    const r = await tx.findOneOrFail(Reorganisation, { id });
    tx.create(OrganisationCertificateRequest, {
      id: requestId,
      organisationId: r.successorId,
      applicantId: actor.userId ?? 'system',
      processKind: 'certificate_application',
      action: 'apply',
      certificateId: null,
      reason: `机构改革：${r.reason}`,
      status: 'approved',
      workflowId: reorganisationWorkflowId(id),
      approvalWorkflowId: `${reorganisationWorkflowId(id)}-certificate`,
      createdAt: new Date(),
      decidedAt: new Date(),
    });
    await tx.flush();
    await recordAudit(tx, {
      actor,
      action: 'organisation_certificate_request.approved',
      targetType: 'organisation_certificate_request',
      targetId: requestId,
      outcome: 'success',
      eventKey: `organisation_certificate_request.approved:${requestId}`,
      details: { reorganisationId: id, organisationId: r.successorId },
    });
  });
  return requestId;
}

/** SM-15: every seal of the predecessor not yet cancelled is cancelled, the reorganisation its proof. */
export async function cancelPredecessorSeals(
  em: EntityManager,
  id: string,
  actor: AuditActor,
): Promise<number> {
  const r = await em.findOneOrFail(Reorganisation, { id });
  const predecessor = await em.findOneOrFail(Organisation, { id: r.predecessorId });
  const seals = await em.find(
    Seal,
    { organisationId: r.predecessorId, status: { $in: ['active', 'lost'] } },
    {
      exclude: ['imprint'],
    },
  );
  let cancelled = 0;
  for (const seal of seals) {
    const done = await em.transactional((tx) =>
      changeSealStatus(tx, {
        sealId: seal.id,
        event: 'cancelled',
        reason: `机构改革：${predecessor.name}更名为${r.successorName}（${r.reason}），原印章注销`,
        effectiveAt: new Date(),
        actor,
        eventKey: `seal.cancelled:${reorganisationWorkflowId(id)}:${seal.id}`,
      }),
    );
    if (done === 'changed') cancelled++;
  }
  return cancelled;
}

/** LM-7: each licence type the predecessor issues gets a new published version naming the successor instead. */
export async function moveLicenceTypes(em: EntityManager, id: string, actor: AuditActor): Promise<string[]> {
  const r = await em.findOneOrFail(Reorganisation, { id });
  const published = await em.find(LicenceType, { status: 'published' });
  const codes = published
    .filter((t) => t.definition.issuingUnitIds.includes(r.predecessorId))
    .map((t) => t.code);
  for (const code of codes) await moveOneType(em, code, r, actor);
  return codes.sort();
}

async function moveOneType(em: EntityManager, code: string, r: Reorganisation, actor: AuditActor) {
  const swap = (ids: string[]) => [...new Set(ids.map((u) => (u === r.predecessorId ? r.successorId : u)))];
  await em.transactional(async (tx) => {
    const current = await tx.findOne(LicenceType, { code, status: 'published' });
    if (!current || !current.definition.issuingUnitIds.includes(r.predecessorId)) return;
    const all = await tx.find(LicenceType, { code });
    const version = Math.max(...all.map((t) => t.version)) + 1;
    const draft = all.find((t) => t.status === 'draft');
    if (draft) {
      // An open draft follows: it keeps being the next version and names the successor too.
      draft.version = version + 1;
      draft.definition = { ...draft.definition, issuingUnitIds: swap(draft.definition.issuingUnitIds) };
    }
    current.status = 'superseded';
    current.supersededAt = new Date();
    await tx.flush();
    const next = tx.create(LicenceType, {
      id: `${code}-v${version}-${r.id}`.slice(0, 100),
      code,
      version,
      status: 'published',
      name: current.name,
      definition: { ...current.definition, issuingUnitIds: swap(current.definition.issuingUnitIds) },
      createdBy: actor.userId,
      publishedAt: new Date(),
      supersededAt: null,
    });
    await tx.flush();
    await recordAudit(tx, {
      actor,
      action: 'licence_type.publish',
      targetType: 'licence_type',
      targetId: next.id,
      outcome: 'success',
      eventKey: key(r.id, `type:${code}`),
      details: { code, version, supersededVersion: current.version, reorganisationId: r.id },
    });
  });
}

/** The approval processes holding open tasks of the predecessor (to be moved to the successor). */
export async function approvalsWithTasksOf(em: EntityManager, organisationId: string): Promise<string[]> {
  const tasks = await em.find(Task, {
    assigneeOrganisationId: organisationId,
    status: { $in: ['pending', 'waiting', 'delegated'] },
  });
  return [...new Set(tasks.map((t) => t.workflowId))].sort();
}

export async function finishReorganisation(
  em: EntityManager,
  id: string,
  summary: Record<string, unknown>,
  actor: AuditActor,
): Promise<void> {
  await em.transactional(async (tx) => {
    const changed = await tx.nativeUpdate(
      Reorganisation,
      { id, status: 'running' },
      { status: 'done', summary, finishedAt: new Date() },
    );
    if (changed === 0) return;
    await recordAudit(tx, {
      actor,
      action: 'reorganisation.done',
      targetType: 'reorganisation',
      targetId: id,
      outcome: 'success',
      eventKey: key(id, 'done'),
      details: summary,
    });
  });
}

/** The unit now responsible for what `organisationId` did: itself, or its last successor (LM-24). */
export async function unitNowResponsible(
  em: EntityManager,
  organisationId: string,
): Promise<{ id: string; name: string; reorganised: boolean } | null> {
  let unit = await em.findOne(Organisation, { id: organisationId }, { disableIdentityMap: true });
  if (!unit) return null;
  const first = unit.id;
  for (let hops = 0; unit.successorId && hops < 20; hops++) {
    const next: Organisation | null = await em.findOne(
      Organisation,
      { id: unit.successorId },
      { disableIdentityMap: true },
    );
    if (!next) break;
    unit = next;
  }
  return { id: unit.id, name: unit.name, reorganised: unit.id !== first };
}
