/**
 * The licence catalogue over the API and the web pages (证照目录, LM-6, WP-(一)1-2): reading published types with
 * their data-item schemas, and for platform administrators of a management unit the version life cycle — a draft
 * (a new code starts at version 1, an existing code gets the next version), editing the draft, publishing it (the
 * previous published version becomes superseded in the same transaction) and discarding it — plus the face
 * preview with sample data. A definition is checked by its zod schema, its face template's syntax, its sample
 * against its own data items, and against the database (every issuing unit an existing issuing-unit organisation
 * within the administrator's jurisdiction); every problem names its field. Every change is audited (LM-25).
 */
import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { AppUser, Organisation } from '../../db/entities';
import { LicenceType } from '../../db/licence-entities';
import { validityEnd, validityRuleLabel } from '../../domain/licence';
import { IDENTIFIER_PREFIX, licenceIdentifier, TYPE_CODE_PATTERN } from '../../domain/licence-identifier';
import {
  AUTHORITY_LEVEL_LABELS,
  AUTHORITY_LEVELS,
  dataProblems,
  HOLDER_CATEGORIES,
  HOLDER_CATEGORY_LABELS,
  HolderCategory,
  holderCodeTypeFor,
  LicenceData,
  LicenceTypeStatus,
  TYPE_STATUS_LABELS,
} from '../../domain/licence-type';
import {
  DataItem,
  FaceDefinition,
  LicenceTypeDefinition,
  ValidityRule,
} from '../../domain/licence-type-schema';
import { shanghaiDateOf } from '../../domain/calendar';
import { SEAL_KIND_LABELS } from '../../domain/seal';
import { usccCheckChar } from '../../domain/uscc';
import { cityWideRefusal } from '../city-wide';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, FieldProblem, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { problemsOf } from '../validation';
import { patternBacktrackingProblem } from './pattern-safety';
import {
  faceTemplateProblem,
  faceTemplateSafetyProblems,
  renderFace,
  sanitizeFaceTemplate,
} from './licence-face';

/** One data item of a type's schema, every attribute present (null where the definition leaves it out). */
export interface DataItemSchema {
  key: string;
  label: string;
  type: DataItem['type'];
  required: boolean;
  pattern: string | null;
  enumValues: string[] | null;
  maxLength: number | null;
  sensitive: boolean;
  mask: { keepStart: number; keepEnd: number } | null;
  description: string | null;
}

/** A catalogue version as `GET /api/license-types` lists it. */
export interface LicenceTypeSummary {
  id: string;
  code: string;
  version: number;
  status: LicenceTypeStatus;
  statusLabel: string;
  name: string;
  definingAuthority: LicenceTypeDefinition['definingAuthority'] & { levelLabel: string };
  holderCategory: HolderCategory;
  holderCategoryLabel: string;
  sealKind: LicenceTypeDefinition['sealKind'];
  sealKindLabel: string;
  validity: ValidityRule;
  validityLabel: string;
  serviceItems: LicenceTypeDefinition['serviceItems'];
  reminderDaysBeforeExpiry: number[];
  issuingUnits: Array<{ id: string; name: string }>;
  dataItems: DataItemSchema[];
  publishedAt: string | null;
}

/** One version in full: the summary, the definition as saved (face included) and who saved it when. */
export interface LicenceTypeVersionView extends LicenceTypeSummary {
  definition: LicenceTypeDefinition;
  face: FaceDefinition;
  createdBy: { id: string; displayName: string } | null;
  createdAt: string;
  supersededAt: string | null;
}

export interface LicenceTypeVersionItem {
  id: string;
  version: number;
  status: LicenceTypeStatus;
  statusLabel: string;
  name: string;
  createdBy: { id: string; displayName: string } | null;
  createdAt: string;
  publishedAt: string | null;
  supersededAt: string | null;
}

export interface LicenceTypeDetail {
  code: string;
  published: LicenceTypeVersionView | null;
  /** Only for platform administrators: the draft being edited. */
  draft: LicenceTypeVersionView | null;
  /** Oldest first; drafts only for platform administrators. */
  versions: LicenceTypeVersionItem[];
}

export const LicenceTypeListQuery = z.object({ issuableByMe: z.enum(['true', 'false']).optional() }).strict();

export const TypeCodeParam = z.string().regex(TYPE_CODE_PATTERN, { message: '应为 21 位证照类型代码' });

const SampleValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/**
 * What the preview needs: enough of a definition to lay out the face. The rest of a definition may be missing or
 * incomplete (an administrator previews while still filling the form); it is kept as given.
 */
export const PreviewBody = z
  .object({
    definition: z
      .object({
        name: z.string().trim().min(1).max(60),
        holderCategory: z.enum(HOLDER_CATEGORIES),
        dataItems: z.array(DataItem).min(1).max(100),
        face: FaceDefinition,
        code: z.string().optional(),
        validity: ValidityRule.optional(),
        issuingUnitIds: z.array(z.string()).optional(),
      })
      .loose(),
    /** Data item values overriding the definition's own sample. */
    sample: SampleValues.optional(),
  })
  .strict();
export type PreviewBody = z.infer<typeof PreviewBody>;

export interface PreviewResult {
  html: string;
  /** Where the sample does not fit the data items (shown beside the preview, not refused). */
  sampleProblems: FieldProblem[];
}

type Meta = RequestMeta;

/** Sample holders for the preview: codes with valid check characters, obviously fictitious names. */
const SAMPLE_USCC = (() => {
  const body = '91140525MA0K3B7F2';
  return body + usccCheckChar(body);
})();
const SAMPLE_HOLDERS: Record<HolderCategory, { name: string; code: string }> = {
  natural_person: { name: '张三', code: '11010519491231002X' },
  legal_person: { name: '晋城市示例科技有限公司', code: SAMPLE_USCC },
  other_organisation: { name: '晋城市示例协会', code: SAMPLE_USCC },
};
const SAMPLE_ISSUER_CODE = (() => {
  const body = '11140525MB0000000';
  return body + usccCheckChar(body);
})();

/**
 * The face of a definition filled with sample data and sample metadata, marked 样例. Pure, so the detail page
 * shows the same preview as the editor and the API.
 */
export function renderPreview(
  definition: Pick<LicenceTypeDefinition, 'name' | 'dataItems' | 'face' | 'holderCategory'> & {
    code?: string;
    validity?: ValidityRule;
  },
  sample: LicenceData | undefined,
  issuer: { name: string; code?: string } = { name: '（颁发机构名称）' },
  today: Date = new Date(),
): string {
  const issueDate = shanghaiDateOf(today);
  const holder = SAMPLE_HOLDERS[definition.holderCategory];
  const end = definition.validity
    ? validityEnd(
        definition.validity,
        issueDate,
        definition.validity.kind === 'until_date' ? `${Number(issueDate.slice(0, 4)) + 10}-12-31` : undefined,
      )
    : { validTo: null };
  const issuerCode = issuer.code ?? SAMPLE_ISSUER_CODE;
  const identifier =
    definition.code && TYPE_CODE_PATTERN.test(definition.code)
      ? licenceIdentifier({ typeCode: definition.code, issuerCode, serial: '0000001', version: 1 })
      : `${IDENTIFIER_PREFIX}.（类型代码）.${issuerCode}.0000001.001.（校验位）`;
  return renderFace({
    definition,
    metadata: {
      name: definition.name,
      typeCode: definition.code ?? '',
      identifier,
      licenceNumber: '（样例）0000001',
      version: 1,
      previousIdentifier: null,
      issuer: { name: issuer.name, code: issuerCode },
      issueDate,
      holder: { ...holder, codeType: holderCodeTypeFor(definition.holderCategory) },
      validFrom: issueDate,
      validTo: 'validTo' in end ? end.validTo : null,
    },
    data: sample ?? definition.face.sample,
    masked: false,
    copy: false,
    verifyUrl: '',
    sample: true,
  });
}

export class LicenceTypeService {
  constructor(private readonly ctx: AppContext) {}

  // -------------------------------------------------------------------------------------------------------------
  // Reading

  /** Published types, by name; with `issuableByMe` only those the caller's organisation may issue (LM-7). */
  async listPublished(principal: Principal, options: { issuableByMe?: boolean } = {}) {
    const types = await this.ctx
      .em()
      .find(LicenceType, { status: 'published' }, { orderBy: { code: 'asc' } });
    const chosen = options.issuableByMe
      ? types.filter((t) => t.definition.issuingUnitIds.includes(principal.organisationId))
      : types;
    const names = await this.organisationNames(chosen.flatMap((t) => t.definition.issuingUnitIds));
    return chosen.map((t) => summaryOf(t, names));
  }

  /**
   * The catalogue page's rows: per code the published version, or for administrators the draft of a code never
   * published; `draftVersion` says (to administrators) that a newer draft is being edited.
   */
  async catalogue(
    principal: Principal,
  ): Promise<Array<LicenceTypeSummary & { draftVersion: number | null }>> {
    const isAdmin = principal.roles.includes('platform_admin');
    const types = await this.ctx
      .em()
      .find(
        LicenceType,
        { status: { $in: isAdmin ? ['published', 'draft'] : ['published'] } },
        { orderBy: { code: 'asc', version: 'asc' } },
      );
    const names = await this.organisationNames(types.flatMap((t) => t.definition.issuingUnitIds));
    const byCode = new Map<string, { published?: LicenceType; draft?: LicenceType }>();
    for (const t of types) {
      const entry = byCode.get(t.code) ?? {};
      if (t.status === 'published') entry.published = t;
      else entry.draft = t;
      byCode.set(t.code, entry);
    }
    return [...byCode.values()].map(({ published, draft }) => ({
      ...summaryOf((published ?? draft)!, names),
      draftVersion: draft?.version ?? null,
    }));
  }

  /** The published version of a type, or null (no access check: names and definitions are public catalogue). */
  async publishedType(code: string): Promise<Pick<LicenceType, 'code' | 'name' | 'definition'> | null> {
    return this.ctx.em().findOne(LicenceType, { code, status: 'published' });
  }

  /** Every version of a code: the published one, the draft (administrators only) and the history. */
  async detail(principal: Principal, code: string): Promise<LicenceTypeDetail> {
    const em = this.ctx.em();
    const all = await em.find(LicenceType, { code }, { orderBy: { version: 'asc' } });
    const isAdmin = principal.roles.includes('platform_admin');
    const visible = all.filter((t) => t.status !== 'draft' || isAdmin);
    if (visible.length === 0) throw notFound('证照类型');
    const names = await this.organisationNames(visible.flatMap((t) => t.definition.issuingUnitIds));
    const users = await this.userNames(visible.map((t) => t.createdBy));
    const published = visible.find((t) => t.status === 'published');
    const draft = visible.find((t) => t.status === 'draft');
    return {
      code,
      published: published ? versionViewOf(published, names, users) : null,
      draft: draft ? versionViewOf(draft, names, users) : null,
      versions: visible.map((t) => ({
        id: t.id,
        version: t.version,
        status: t.status,
        statusLabel: TYPE_STATUS_LABELS[t.status],
        name: t.name,
        createdBy: t.createdBy ? (users.get(t.createdBy) ?? null) : null,
        createdAt: t.createdAt.toISOString(),
        publishedAt: t.publishedAt?.toISOString() ?? null,
        supersededAt: t.supersededAt?.toISOString() ?? null,
      })),
    };
  }

  /** One version in full (the detail page's `?version=`); drafts for administrators only. */
  async version(principal: Principal, code: string, version: number): Promise<LicenceTypeVersionView> {
    const t = await this.ctx.em().findOne(LicenceType, { code, version });
    if (!t || (t.status === 'draft' && !principal.roles.includes('platform_admin'))) {
      throw notFound('证照类型版本');
    }
    const names = await this.organisationNames(t.definition.issuingUnitIds);
    return versionViewOf(t, names, await this.userNames([t.createdBy]));
  }

  /** Organisations that may be named as issuing units, for the editor's checkboxes: within the caller's reach. */
  async issuingUnitChoices(principal: Principal): Promise<Array<{ id: string; name: string }>> {
    const organisations = await this.ctx
      .em()
      .find(Organisation, { functions: { $contains: ['issuing_unit'] } }, { orderBy: { id: 'asc' } });
    const out = [];
    for (const o of organisations) {
      if (await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, o.jurisdictionId)) {
        out.push({ id: o.id, name: o.name });
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Changing (platform administrators of a management unit)

  /** Checks a definition as given (not yet parsed): every problem at once, each naming its field. */
  async definitionProblems(
    principal: Principal,
    raw: unknown,
  ): Promise<{ definition: LicenceTypeDefinition; problems: [] } | { problems: FieldProblem[] }> {
    const parsed = LicenceTypeDefinition.safeParse(raw);
    const problems: FieldProblem[] = parsed.success ? [] : problemsOf(parsed.error);
    const input = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const face = (typeof input.face === 'object' && input.face !== null ? input.face : {}) as Record<
      string,
      unknown
    >;
    if (typeof face.template === 'string' && face.template.length > 0) {
      const problem = faceTemplateProblem(face.template);
      if (problem) problems.push({ field: 'face.template', rule: 'template_syntax', message: problem });
      for (const message of faceTemplateSafetyProblems(face.template)) {
        problems.push({ field: 'face.template', rule: 'template_allowlist', message: `照面模板${message}` });
      }
    }
    if (Array.isArray(input.issuingUnitIds)) {
      problems.push(...(await this.issuingUnitProblems(principal, input.issuingUnitIds)));
    }
    if (parsed.success) {
      // ReDoS: a pattern runs on every issuance's data, so it must not backtrack catastrophically.
      for (const [i, item] of parsed.data.dataItems.entries()) {
        const problem = item.pattern ? await patternBacktrackingProblem(item.pattern) : null;
        if (problem) problems.push({ field: `dataItems.${i}.pattern`, rule: 'redos', message: problem });
      }
    }
    if (parsed.success) {
      // The sample is what the preview shows: it must fit the type's own data items (it may leave some out).
      for (const p of dataProblems(parsed.data.dataItems, parsed.data.face.sample)) {
        if (p.rule === 'required') continue;
        problems.push({ ...p, field: `face.sample.${p.field.slice('data.'.length)}` });
      }
    }
    if (problems.length > 0 || !parsed.success) return { problems };
    // Stored as the sanitiser writes it (the same markup, normalised), so that what renders is what was checked.
    const definition = {
      ...parsed.data,
      face: { ...parsed.data.face, template: sanitizeFaceTemplate(parsed.data.face.template) },
    };
    return { definition, problems: [] };
  }

  /** A new draft: a new code starts at version 1, an existing code gets its next version (409 if one is open). */
  async createDraft(principal: Principal, raw: unknown, meta: Meta): Promise<LicenceTypeVersionView> {
    requireCatalogueAdmin(principal);
    const claimed = ScopeClaim.safeParse(raw);
    if (claimed.success) {
      // Out of scope is a 403 before any 400: a county administrator learns nothing from a national type's checks.
      const existing = await this.ctx
        .em()
        .findOne(LicenceType, { code: claimed.data.code }, { orderBy: { version: 'desc' } });
      await this.requireScope(principal, [claimed.data, existing?.definition], meta, claimed.data.code);
    }
    const definition = await this.validDefinition(principal, raw);
    const em = this.ctx.em();
    if (await em.count(LicenceType, { code: definition.code, status: 'draft' })) {
      throw draftExists(definition.code);
    }
    const last = await em.findOne(LicenceType, { code: definition.code }, { orderBy: { version: 'desc' } });
    await this.requireScope(principal, [definition, last?.definition], meta, definition.code);
    const id = randomUUID();
    const version = (last?.version ?? 0) + 1;
    try {
      await em.insert(LicenceType, {
        id,
        code: definition.code,
        version,
        status: 'draft',
        name: definition.name,
        definition,
        createdBy: principal.userId,
        createdAt: new Date(),
        publishedAt: null,
        supersededAt: null,
      });
    } catch (err) {
      // Two administrators saving at once: the partial unique index keeps one draft per code.
      if (err instanceof UniqueConstraintViolationException) throw draftExists(definition.code);
      throw err;
    }
    await this.audit(principal, 'licence_type.create_draft', id, meta, {
      code: definition.code,
      version,
      name: definition.name,
    });
    return this.version(principal, definition.code, version);
  }

  /** Replaces the draft's definition; the code stays. */
  async updateDraft(
    principal: Principal,
    code: string,
    raw: unknown,
    meta: Meta,
  ): Promise<LicenceTypeVersionView> {
    requireCatalogueAdmin(principal);
    const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).code : undefined;
    if (given !== undefined && given !== code) {
      throw badRequest([
        { field: 'code', rule: 'immutable', message: `草稿的类型代码不能修改（应为 ${code}）` },
      ]);
    }
    const definition = await this.validDefinition(principal, { ...(raw as object), code });
    const em = this.ctx.em();
    const draft = await em.findOne(LicenceType, { code, status: 'draft' });
    if (!draft) throw notFound('该证照类型的草稿');
    await this.requireScope(principal, [draft.definition, definition], meta, code);
    draft.definition = definition;
    draft.name = definition.name;
    await em.flush();
    await this.audit(principal, 'licence_type.update_draft', draft.id, meta, {
      code,
      version: draft.version,
      name: definition.name,
    });
    return this.version(principal, code, draft.version);
  }

  /** Draft → published; the previous published version → superseded, in one transaction. */
  async publish(principal: Principal, code: string, meta: Meta): Promise<LicenceTypeVersionView> {
    requireCatalogueAdmin(principal);
    const current = await this.ctx.em().find(LicenceType, { code, status: { $in: ['draft', 'published'] } });
    await this.requireScope(
      principal,
      current.map((t) => t.definition),
      meta,
      code,
    );
    const now = new Date();
    const { draftId, version, previousVersion } = await this.ctx.em().transactional(async (tx) => {
      const draft = await tx.findOne(
        LicenceType,
        { code, status: 'draft' },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!draft) throw notFound('该证照类型的草稿');
      const previous = await tx.findOne(
        LicenceType,
        { code, status: 'published' },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (previous) {
        previous.status = 'superseded';
        previous.supersededAt = now;
        // Flushed first: one published version per code is a unique index.
        await tx.flush();
      }
      draft.status = 'published';
      draft.publishedAt = now;
      await tx.flush();
      return { draftId: draft.id, version: draft.version, previousVersion: previous?.version ?? null };
    });
    await this.audit(principal, 'licence_type.publish', draftId, meta, {
      code,
      version,
      supersededVersion: previousVersion,
    });
    return this.version(principal, code, version);
  }

  /** Throws the draft away; published versions are never deleted. */
  async discardDraft(principal: Principal, code: string, meta: Meta): Promise<void> {
    requireCatalogueAdmin(principal);
    const em = this.ctx.em();
    const draft = await em.findOne(LicenceType, { code, status: 'draft' });
    if (!draft) throw notFound('该证照类型的草稿');
    await this.requireScope(principal, [draft.definition], meta, code);
    await em.nativeDelete(LicenceType, { id: draft.id, status: 'draft' });
    await this.audit(principal, 'licence_type.discard_draft', draft.id, meta, {
      code,
      version: draft.version,
    });
  }

  /** The face of a definition being edited, with sample data (administrators; audited as a read). */
  async preview(principal: Principal, body: PreviewBody, meta: Meta): Promise<PreviewResult> {
    requireCatalogueAdmin(principal);
    const problem = faceTemplateProblem(body.definition.face.template);
    if (problem) {
      throw badRequest([{ field: 'definition.face.template', rule: 'template_syntax', message: problem }]);
    }
    const unsafe = faceTemplateSafetyProblems(body.definition.face.template);
    if (unsafe.length > 0) {
      throw badRequest(
        unsafe.map((message) => ({
          field: 'definition.face.template',
          rule: 'template_allowlist',
          message: `照面模板${message}`,
        })),
      );
    }
    const sample = body.sample ?? body.definition.face.sample;
    const sampleProblems = dataProblems(body.definition.dataItems, sample)
      .filter((p) => p.rule !== 'required')
      .map((p) => ({ ...p, field: `sample.${p.field.slice('data.'.length)}` }));
    const issuerId = body.definition.issuingUnitIds?.[0];
    const issuer = issuerId ? await this.ctx.em().findOne(Organisation, { id: issuerId }) : null;
    const html = renderPreview(
      body.definition,
      sample,
      issuer ? { name: issuer.name, code: issuer.uscc } : undefined,
    );
    await this.audit(principal, 'licence_type.preview', body.definition.code ?? null, meta, {
      name: body.definition.name,
    });
    return { html, sampleProblems };
  }

  // -------------------------------------------------------------------------------------------------------------

  /**
   * LM-5, LM-6: whose types an administrator may change. A national, provincial or city type applies across the
   * city, so only the city's top management unit may change it (api/city-wide.ts, the rule of flow defaults); a
   * county type, also an administrator whose jurisdiction holds its defining authority. Both the version being
   * changed and the one replacing it must be in scope (a county cannot relabel a national type as its own).
   * Refusals are 403, audited.
   */
  private async requireScope(
    principal: Principal,
    definitions: Array<Pick<LicenceTypeDefinition, 'name' | 'definingAuthority'> | undefined>,
    meta: Meta,
    code: string,
  ): Promise<void> {
    let refusal: string | null = null;
    for (const d of definitions) {
      if (!d || refusal) continue;
      const level = AUTHORITY_LEVEL_LABELS[d.definingAuthority.level];
      const cityWide = await cityWideRefusal(this.ctx, principal, `${level}证照类型“${d.name}”`);
      if (!cityWide) continue;
      if (d.definingAuthority.level === 'county') {
        const authority = await this.ctx.em().findOne(Organisation, { uscc: d.definingAuthority.code });
        if (
          authority &&
          (await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, authority.jurisdictionId))
        ) {
          continue;
        }
        refusal = `县级证照类型“${d.name}”只能由其定义机构所在辖区或市管理单位的平台管理员维护`;
      } else {
        refusal = cityWide;
      }
    }
    if (!refusal) return;
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'licence_type.change',
      targetType: 'licence_type',
      targetId: code,
      outcome: 'denied',
      details: { reason: refusal },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    const error = forbidden(refusal);
    error.audited = true;
    throw error;
  }

  private async validDefinition(principal: Principal, raw: unknown): Promise<LicenceTypeDefinition> {
    const result = await this.definitionProblems(principal, raw);
    if ('definition' in result) return result.definition;
    throw badRequest(result.problems);
  }

  /** LM-7: each issuing unit exists, is an issuing unit and lies within the administrator's jurisdiction. */
  private async issuingUnitProblems(principal: Principal, ids: unknown[]): Promise<FieldProblem[]> {
    const strings = ids.filter((id): id is string => typeof id === 'string');
    const organisations = strings.length
      ? await this.ctx.em().find(Organisation, { id: { $in: strings } })
      : [];
    const byId = new Map(organisations.map((o) => [o.id, o]));
    const problems: FieldProblem[] = [];
    const seen = new Set<string>();
    for (const [i, id] of ids.entries()) {
      if (typeof id !== 'string') continue; // the schema names it
      const field = `issuingUnitIds.${i}`;
      const o = byId.get(id);
      if (seen.has(id)) {
        problems.push({ field, rule: 'duplicate', message: `制发单位 ${id} 重复` });
      } else if (!o) {
        problems.push({ field, rule: 'exists', message: `单位 ${id} 不存在` });
      } else if (!o.functions.includes('issuing_unit')) {
        problems.push({ field, rule: 'issuing_unit', message: `${o.name}不是制发单位` });
      } else if (!(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, o.jurisdictionId))) {
        problems.push({ field, rule: 'jurisdiction', message: `${o.name}不在您的管辖范围内` });
      }
      seen.add(id);
    }
    return problems;
  }

  private async organisationNames(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const organisations = await this.ctx.em().find(Organisation, { id: { $in: unique } });
    return new Map(organisations.map((o) => [o.id, o.name]));
  }

  private async userNames(
    ids: Array<string | null>,
  ): Promise<Map<string, { id: string; displayName: string }>> {
    const unique = [...new Set(ids.filter((id): id is string => !!id))];
    if (unique.length === 0) return new Map();
    const users = await this.ctx.em().find(AppUser, { id: { $in: unique } });
    return new Map(users.map((u) => [u.id, { id: u.id, displayName: u.displayName }]));
  }

  private audit(
    principal: Principal,
    action: string,
    targetId: string | null,
    meta: Meta,
    details: Record<string, unknown>,
  ): Promise<void> {
    return recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action,
      targetType: 'licence_type',
      targetId,
      outcome: 'success',
      details,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}

/** LM-5, LM-6: the catalogue is kept by the management unit's platform administrators. */
/** LM-6: the management unit leads the catalogue, through its platform administrators. */
export function isCatalogueAdmin(principal: Principal): boolean {
  return (
    principal.roles.includes('platform_admin') && principal.organisationFunctions.includes('management_unit')
  );
}

export function requireCatalogueAdmin(principal: Principal): void {
  // LM-6
  if (!isCatalogueAdmin(principal)) throw forbidden('只有管理单位的平台管理员可以维护证照目录');
}

/** The part of a definition that decides whose it is (read before the whole is checked). */
const ScopeClaim = z.looseObject({
  code: z.string(),
  name: z.string(),
  definingAuthority: z.looseObject({ name: z.string(), code: z.string(), level: z.enum(AUTHORITY_LEVELS) }),
});

function draftExists(code: string): ApiError {
  return conflict(`证照类型 ${code} 已有未发布的草稿，请先编辑或发布该草稿`);
}

function dataItemSchema(item: DataItem): DataItemSchema {
  return {
    key: item.key,
    label: item.label,
    type: item.type,
    required: item.required,
    pattern: item.pattern ?? null,
    enumValues: item.enumValues ?? null,
    maxLength: item.maxLength ?? null,
    sensitive: item.sensitive,
    mask: item.mask ?? null,
    description: item.description ?? null,
  };
}

function summaryOf(t: LicenceType, names: Map<string, string>): LicenceTypeSummary {
  const d = t.definition;
  return {
    id: t.id,
    code: t.code,
    version: t.version,
    status: t.status,
    statusLabel: TYPE_STATUS_LABELS[t.status],
    name: t.name,
    definingAuthority: {
      ...d.definingAuthority,
      levelLabel: AUTHORITY_LEVEL_LABELS[d.definingAuthority.level],
    },
    holderCategory: d.holderCategory,
    holderCategoryLabel: HOLDER_CATEGORY_LABELS[d.holderCategory],
    sealKind: d.sealKind,
    sealKindLabel: SEAL_KIND_LABELS[d.sealKind],
    validity: d.validity,
    validityLabel: validityRuleLabel(d.validity),
    serviceItems: d.serviceItems,
    reminderDaysBeforeExpiry: d.reminderDaysBeforeExpiry,
    issuingUnits: d.issuingUnitIds.map((id) => ({ id, name: names.get(id) ?? id })),
    dataItems: d.dataItems.map(dataItemSchema),
    publishedAt: t.publishedAt?.toISOString() ?? null,
  };
}

function versionViewOf(
  t: LicenceType,
  names: Map<string, string>,
  users: Map<string, { id: string; displayName: string }>,
): LicenceTypeVersionView {
  return {
    ...summaryOf(t, names),
    definition: t.definition,
    face: t.definition.face,
    createdBy: t.createdBy ? (users.get(t.createdBy) ?? null) : null,
    createdAt: t.createdAt.toISOString(),
    supersededAt: t.supersededAt?.toISOString() ?? null,
  };
}
