/**
 * Licence catalogue pages (zh-CN, 证照目录, LM-6): the list (`/licence-types`), one type with its data items, its
 * versions and a preview of its face (`/licence-types/:code`), and for platform administrators a form editor
 * (`/licence-types/new`, `/licence-types/:code/edit`) with plain fields, a data-item table whose rows are added
 * and removed in the browser (templates/static/licence-type-editor.js) but which also works by posting every row,
 * a 预览照面 button, 保存草稿 and 发布. Saving and publishing go through LicenceTypeService, which validates,
 * authorises and audits exactly as for the JSON API; a refusal re-renders the form with each problem next to its
 * field, in Chinese, and nothing is saved.
 */
import { Request, Response, Router } from 'express';
import { shanghaiDateTime } from '../../domain/format';
import {
  AUTHORITY_LEVEL_LABELS,
  AUTHORITY_LEVELS,
  DATA_ITEM_TYPE_LABELS,
  DATA_ITEM_TYPES,
  DataValue,
  HOLDER_CATEGORIES,
  HOLDER_CATEGORY_LABELS,
  HolderCategory,
  LicenceData,
  LicenceTypeDefinition,
} from '../../domain/licence-type';
import { SEAL_KIND_LABELS, SEAL_KINDS } from '../../domain/seal';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import { requestMeta } from '../principal';
import type { ApprovalService } from '../services/approvals';
import { DirectoryService } from '../services/directory';
import {
  isCatalogueAdmin,
  LicenceTypeService,
  LicenceTypeVersionView,
  renderPreview,
  requireCatalogueAdmin,
  TypeCodeParam,
} from '../services/licence-types';
import { problemsOf } from '../validation';
import { PreviewBody } from '../services/licence-types';
import { pageWithPendingCount } from './pending-count';
import { signedIn } from './render';
import { pageRouter } from './page-router';

// ---------------------------------------------------------------------------------------------------------------
// The editor's form: what the browser posts, and the definition it stands for

export interface ItemRow {
  key: string;
  label: string;
  type: string;
  required: boolean;
  pattern: string;
  /** Comma-separated (，、 and new lines too). */
  enumValues: string;
  maxLength: string;
  sensitive: boolean;
  keepStart: string;
  keepEnd: string;
  sample: string;
  description: string;
}

export interface ServiceRow {
  code: string;
  name: string;
}

export interface EditorForm {
  code: string;
  name: string;
  authorityName: string;
  authorityCode: string;
  authorityLevel: string;
  holderCategory: string;
  sealKind: string;
  validityKind: string;
  validityYears: string;
  validityMonths: string;
  /** Days before expiry, comma-separated. */
  reminders: string;
  issuingUnitIds: string[];
  faceTemplate: string;
  faceBackground: string;
  items: ItemRow[];
  services: ServiceRow[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');
const checked = (v: unknown): boolean => v !== undefined && v !== '' && v !== '0' && v !== 'false';
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String).filter(Boolean) : typeof v === 'string' && v ? [v] : [];

const isBlankItem = (r: ItemRow) =>
  !r.key.trim() && !r.label.trim() && !r.pattern && !r.enumValues.trim() && !r.maxLength && !r.sample;
const isBlankService = (r: ServiceRow) => !r.code.trim() && !r.name.trim();

/** Row indices present in the posted form (`items.<i>.<field>`), in order; gaps are fine. */
function rowIndices(body: Record<string, unknown>, prefix: string): number[] {
  const found = new Set<number>();
  const re = new RegExp(`^${prefix}\\.(\\d+)\\.`);
  for (const k of Object.keys(body)) {
    const m = re.exec(k);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/** Reads the posted form (urlencoded, flat names). */
export function formFromBody(body: Record<string, unknown>): EditorForm {
  const field = (prefix: string, i: number, name: string) => str(body[`${prefix}.${i}.${name}`]);
  return {
    code: str(body.code).trim().toUpperCase(),
    name: str(body.name),
    authorityName: str(body.authorityName),
    authorityCode: str(body.authorityCode).trim().toUpperCase(),
    authorityLevel: str(body.authorityLevel),
    holderCategory: str(body.holderCategory),
    sealKind: str(body.sealKind),
    validityKind: str(body.validityKind),
    validityYears: str(body.validityYears),
    validityMonths: str(body.validityMonths),
    reminders: str(body.reminders),
    issuingUnitIds: list(body.issuingUnitIds),
    faceTemplate: str(body.faceTemplate),
    faceBackground: str(body.faceBackground),
    // Blank rows (the spare rows of the form, or rows cleared to remove them) are left out.
    items: rowIndices(body, 'items')
      .map((i) => ({
        key: field('items', i, 'key').trim(),
        label: field('items', i, 'label'),
        type: field('items', i, 'type') || 'string',
        required: checked(body[`items.${i}.required`]),
        pattern: field('items', i, 'pattern'),
        enumValues: field('items', i, 'enumValues'),
        maxLength: field('items', i, 'maxLength'),
        sensitive: checked(body[`items.${i}.sensitive`]),
        keepStart: field('items', i, 'keepStart'),
        keepEnd: field('items', i, 'keepEnd'),
        sample: field('items', i, 'sample'),
        description: field('items', i, 'description'),
      }))
      .filter((r) => !isBlankItem(r)),
    services: rowIndices(body, 'services')
      .map((i) => ({ code: field('services', i, 'code'), name: field('services', i, 'name') }))
      .filter((r) => !isBlankService(r)),
  };
}

/** The form showing a saved definition. */
export function formFromDefinition(d: LicenceTypeDefinition): EditorForm {
  return {
    code: d.code,
    name: d.name,
    authorityName: d.definingAuthority.name,
    authorityCode: d.definingAuthority.code,
    authorityLevel: d.definingAuthority.level,
    holderCategory: d.holderCategory,
    sealKind: d.sealKind,
    validityKind: d.validity.kind,
    validityYears: d.validity.kind === 'fixed_term' ? String(d.validity.years) : '',
    validityMonths: d.validity.kind === 'fixed_term' ? String(d.validity.months) : '',
    reminders: d.reminderDaysBeforeExpiry.join(', '),
    issuingUnitIds: [...d.issuingUnitIds],
    faceTemplate: d.face.template,
    faceBackground: d.face.background,
    items: d.dataItems.map((item) => ({
      key: item.key,
      label: item.label,
      type: item.type,
      required: item.required,
      pattern: item.pattern ?? '',
      enumValues: (item.enumValues ?? []).join(', '),
      maxLength: item.maxLength === undefined ? '' : String(item.maxLength),
      sensitive: item.sensitive,
      keepStart: item.mask ? String(item.mask.keepStart) : '1',
      keepEnd: item.mask ? String(item.mask.keepEnd) : '0',
      sample: d.face.sample[item.key] === undefined ? '' : String(d.face.sample[item.key]),
      description: item.description ?? '',
    })),
    services: d.serviceItems.map((s) => ({ ...s })),
  };
}

export function blankForm(): EditorForm {
  return {
    code: '',
    name: '',
    authorityName: '',
    authorityCode: '',
    authorityLevel: 'national',
    holderCategory: 'legal_person',
    sealKind: 'business',
    validityKind: 'permanent',
    validityYears: '',
    validityMonths: '',
    reminders: '',
    issuingUnitIds: [],
    faceTemplate: '',
    faceBackground: '#fffdf5',
    items: [],
    services: [],
  };
}

/** An optional number field: empty → undefined; otherwise a number (NaN for text, which validation names). */
const num = (v: string, fallback?: number): number | undefined =>
  v.trim() === '' ? fallback : Number(v.trim());

function sampleValue(type: string, raw: string): DataValue {
  const v = raw.trim();
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (type === 'boolean' && ['是', 'true'].includes(v)) return true;
  if (type === 'boolean' && ['否', 'false'].includes(v)) return false;
  return type === 'date' || type === 'enum' ? v : raw;
}

const HOLDER_ROWS: Record<HolderCategory, Array<[string, string]>> = {
  natural_person: [
    ['姓　　名', '{{meta.holderName}}'],
    ['公民身份号码', '{{meta.holderCode}}'],
  ],
  legal_person: [
    ['名　　称', '{{meta.holderName}}'],
    ['统一社会信用代码', '{{meta.holderCode}}'],
  ],
  other_organisation: [
    ['名　　称', '{{meta.holderName}}'],
    ['统一社会信用代码', '{{meta.holderCode}}'],
  ],
};

/** A face listing the holder, every data item and the validity: what a blank template field stands for. */
export function generatedTemplate(form: EditorForm): string {
  const category = (HOLDER_CATEGORIES as readonly string[]).includes(form.holderCategory)
    ? (form.holderCategory as HolderCategory)
    : 'legal_person';
  const rows: Array<[string, string]> = [
    ...HOLDER_ROWS[category],
    ...form.items
      .filter((r) => !isBlankItem(r) && /^[a-z][a-zA-Z0-9_]*$/.test(r.key))
      .map((r): [string, string] => [escapeHtml(r.label || r.key), `{{data.${r.key}}}`]),
  ];
  if (form.validityKind !== 'permanent') rows.push(['有效期', '{{meta.validFrom}} 至 {{meta.validTo}}']);
  return `<table>\n${rows.map(([l, v]) => `  <tr><th>${l}</th><td>${v}</td></tr>`).join('\n')}\n</table>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The definition the form stands for (not yet validated), and for each definition row its position in the form
 * (blank rows are left out, so `dataItems.2` may be the form's fourth row).
 */
export function candidateOf(form: EditorForm): {
  candidate: Record<string, unknown>;
  itemRows: number[];
  serviceRows: number[];
} {
  const itemRows = form.items.map((r, i) => (isBlankItem(r) ? -1 : i)).filter((i) => i >= 0);
  const serviceRows = form.services.map((r, i) => (isBlankService(r) ? -1 : i)).filter((i) => i >= 0);
  const sample: LicenceData = {};
  const dataItems = itemRows.map((i) => {
    const r = form.items[i]!;
    if (r.sample.trim() !== '' && r.key) sample[r.key] = sampleValue(r.type, r.sample);
    const enumValues = r.enumValues
      .split(/[,，、\n]/)
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      key: r.key,
      label: r.label.trim(),
      type: r.type,
      required: r.required,
      ...(r.pattern ? { pattern: r.pattern } : {}),
      ...(r.type === 'enum' && enumValues.length ? { enumValues } : {}),
      ...(r.maxLength.trim() ? { maxLength: num(r.maxLength) } : {}),
      sensitive: r.sensitive,
      ...(r.sensitive ? { mask: { keepStart: num(r.keepStart, 1), keepEnd: num(r.keepEnd, 0) } } : {}),
      ...(r.description.trim() ? { description: r.description.trim() } : {}),
    };
  });
  const validity =
    form.validityKind === 'fixed_term'
      ? { kind: 'fixed_term', years: num(form.validityYears, 0), months: num(form.validityMonths, 0) }
      : { kind: form.validityKind };
  const candidate = {
    code: form.code,
    name: form.name.trim(),
    definingAuthority: {
      name: form.authorityName.trim(),
      code: form.authorityCode,
      level: form.authorityLevel,
    },
    issuingUnitIds: form.issuingUnitIds,
    holderCategory: form.holderCategory,
    dataItems,
    face: {
      template: form.faceTemplate.trim() ? form.faceTemplate : generatedTemplate(form),
      ...(form.faceBackground.trim() ? { background: form.faceBackground.trim() } : {}),
      sample,
    },
    sealKind: form.sealKind,
    validity,
    serviceItems: serviceRows.map((i) => ({
      code: form.services[i]!.code.trim(),
      name: form.services[i]!.name.trim(),
    })),
    reminderDaysBeforeExpiry: form.reminders
      .split(/[\s,，、]+/)
      .filter(Boolean)
      .map((s) => Number(s)),
  };
  return { candidate, itemRows, serviceRows };
}

// ---------------------------------------------------------------------------------------------------------------
// Problems next to their fields

const TOP_FIELDS: Record<string, { input: string; label: string }> = {
  code: { input: 'code', label: '类型代码' },
  name: { input: 'name', label: '证照名称' },
  definingAuthority: { input: 'authorityName', label: '定义机构' },
  'definingAuthority.name': { input: 'authorityName', label: '定义机构名称' },
  'definingAuthority.code': { input: 'authorityCode', label: '定义机构统一社会信用代码' },
  'definingAuthority.level': { input: 'authorityLevel', label: '定义机构层级' },
  issuingUnitIds: { input: 'issuingUnitIds', label: '制发单位' },
  holderCategory: { input: 'holderCategory', label: '持证主体类别' },
  sealKind: { input: 'sealKind', label: '签章使用的印章类型' },
  validity: { input: 'validity', label: '有效期规则' },
  serviceItems: { input: 'serviceItems', label: '关联事项' },
  reminderDaysBeforeExpiry: { input: 'reminders', label: '到期提醒' },
  dataItems: { input: 'dataItems', label: '数据项' },
  face: { input: 'faceTemplate', label: '照面' },
  'face.template': { input: 'faceTemplate', label: '照面模板' },
  'face.background': { input: 'faceBackground', label: '照面背景' },
  'face.sample': { input: 'dataItems', label: '样例值' },
};

const ITEM_FIELD_LABELS: Record<string, string> = {
  key: '标识',
  label: '名称',
  type: '类型',
  required: '必填',
  pattern: '格式',
  enumValues: '可选值',
  maxLength: '最大长度',
  sensitive: '敏感',
  mask: '脱敏规则',
  description: '说明',
  sample: '样例值',
};

/** Plainer words than the schema's generic ones, where a form user meets them. */
const FRIENDLY: Record<string, string> = {
  'issuingUnitIds:too_small': '请至少勾选一个制发单位',
  'dataItems:too_small': '请至少填写一个数据项',
};

export interface PlacedProblems {
  /** Per top-level input (`code`, `authorityName`, `issuingUnitIds`, …). */
  fields: Record<string, string>;
  /** Per form row: field → message. */
  items: Array<Record<string, string>>;
  services: Array<Record<string, string>>;
  /** Everything, described, for the summary above the form. */
  summary: string[];
}

/** Puts each service problem next to the field it names, and describes it in Chinese for the summary. */
export function placeProblems(
  problems: FieldProblem[],
  form: EditorForm,
  itemRows: number[],
  serviceRows: number[],
): PlacedProblems {
  const placed: PlacedProblems = {
    fields: {},
    items: form.items.map(() => ({})),
    services: form.services.map(() => ({})),
    summary: [],
  };
  const add = (target: Record<string, string>, key: string, message: string) => {
    target[key] = target[key] ? `${target[key]}；${message}` : message;
  };
  for (const problem of problems) {
    const p = { ...problem, message: FRIENDLY[`${problem.field}:${problem.rule}`] ?? problem.message };
    const parts = p.field.split('.');
    const [head, second, third] = parts;
    if (head === 'dataItems' && second !== undefined && /^\d+$/.test(second)) {
      const row = itemRows[Number(second)] ?? -1;
      const sub = third ?? 'key';
      const target = placed.items[row];
      if (target) add(target, sub, p.message);
      else add(placed.fields, 'dataItems', p.message);
      const key = form.items[row]?.key;
      placed.summary.push(
        `数据项第 ${row + 1} 行${key ? `（${key}）` : ''} › ${ITEM_FIELD_LABELS[sub] ?? sub}：${p.message}`,
      );
    } else if (head === 'face' && second === 'sample' && third !== undefined) {
      const row = form.items.findIndex((r) => r.key === third);
      if (row >= 0) add(placed.items[row]!, 'sample', p.message);
      else add(placed.fields, 'dataItems', p.message);
      placed.summary.push(`样例值（${third}）：${p.message}`);
    } else if (head === 'serviceItems' && second !== undefined && /^\d+$/.test(second)) {
      const row = serviceRows[Number(second)] ?? -1;
      const target = placed.services[row];
      if (target) add(target, third ?? 'code', p.message);
      else add(placed.fields, 'serviceItems', p.message);
      placed.summary.push(`关联事项第 ${row + 1} 行：${p.message}`);
    } else {
      const top = TOP_FIELDS[p.field] ??
        TOP_FIELDS[parts.slice(0, 2).join('.')] ??
        TOP_FIELDS[head ?? ''] ?? { input: 'general', label: '' };
      add(placed.fields, top.input, p.message);
      placed.summary.push(top.label ? `${top.label}：${p.message}` : p.message);
    }
  }
  return placed;
}

// ---------------------------------------------------------------------------------------------------------------
// Routes

const FLASH: Record<string, string> = {
  saved: '草稿已保存。发布后，新签发的证照按此版本；已签发的证照仍保留签发时的版本。',
  published: '已发布。新签发的证照按此版本；此前的版本已标记为“已被新版本取代”，已签发的证照不受影响。',
  discarded: '草稿已删除。',
};

/** Placeholders the editor lists, written out here: a page template cannot print `{{…}}` literally with ease. */
const PLACEHOLDER_EXAMPLES = {
  metaHolderName: '{{meta.holderName}}',
  metaHolderCode: '{{meta.holderCode}}',
  metaValidFrom: '{{meta.validFrom}}',
  metaValidTo: '{{meta.validTo}}',
  metaIssueDate: '{{meta.issueDate}}',
  metaIssuerName: '{{meta.issuerName}}',
  metaLicenceNumber: '{{meta.licenceNumber}}',
  orExample: '{{or data.complaintHotline "12315"}}',
  yesnoExample: '{{yesno data.someFlag}}',
};

const VALIDITY_KIND_LABELS: Record<string, string> = {
  fixed_term: '固定期限（自有效期起始日起算）',
  until_date: '至指定日期（签发时由制发单位填写截止日期）',
  permanent: '长期有效',
};

export function licenceTypePageRoutes(
  ctx: AppContext,
  service: LicenceTypeService,
  approvals: ApprovalService,
): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '512kb', parameterLimit: 5000 });
  const directory = new DirectoryService(ctx);
  const page = pageWithPendingCount(approvals);
  const codeOf = (value: unknown): string | undefined => {
    const parsed = TypeCodeParam.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };

  router.get(
    '/licence-types',
    auth,
    signedIn(async (req, res, principal) => {
      const rows = await service.catalogue(principal);
      const isAdmin = isCatalogueAdmin(principal);
      res.send(
        await page('licence-types', {
          title: '证照目录',
          principal,
          nav: 'licence_types',
          isAdmin,
          flash: req.query.flash === 'discarded' ? { kind: 'ok', text: FLASH.discarded } : undefined,
          types: rows.map((t) => ({
            ...t,
            published: t.status === 'published',
            issuingUnitCount: t.issuingUnits.length,
            issuingUnitNames: t.issuingUnits.map((u) => u.name).join('、'),
            hasNewerDraft: isAdmin && t.draftVersion !== null && t.status === 'published',
          })),
        }),
      );
    }),
  );

  /** The editor; `base` is the version being edited (a draft, or the published version a new draft starts from). */
  const renderEditor = async (
    principal: Principal,
    res: Response,
    opts: {
      form: EditorForm;
      mode: 'new' | 'edit';
      base?: { code: string; version: number; status: string; name: string; newVersion: boolean };
      problems?: PlacedProblems;
      preview?: { html: string; notes: string[] } | { error: string };
      status?: number;
    },
  ) => {
    const { form: f } = opts;
    const problems = opts.problems ?? placeProblems([], f, [], []);
    const choices = await service.issuingUnitChoices(principal);
    const known = new Set(choices.map((c) => c.id));
    const extra = f.issuingUnitIds.filter((id) => !known.has(id));
    const extraOrgs = await directory.organisations(extra);
    const units = [
      ...choices,
      ...extra.map((id) => ({ id, name: extraOrgs.find((o) => o.id === id)?.name ?? id })),
    ].map((u) => ({ ...u, checked: f.issuingUnitIds.includes(u.id) }));
    const itemRow = (r: ItemRow, i: number, err: Record<string, string>) => ({
      ...r,
      index: i,
      number: i + 1,
      err,
      hasError: Object.keys(err).length > 0,
      typeOptions: DATA_ITEM_TYPES.map((t) => ({
        value: t,
        label: DATA_ITEM_TYPE_LABELS[t],
        selected: r.type === t,
      })),
    });
    const blankItem: ItemRow = {
      key: '',
      label: '',
      type: 'string',
      required: false,
      pattern: '',
      enumValues: '',
      maxLength: '',
      sensitive: false,
      keepStart: '1',
      keepEnd: '0',
      sample: '',
      description: '',
    };
    // Blank rows to fill in without JavaScript; they are left out when empty.
    const items = [
      ...f.items.map((r, i) => itemRow(r, i, problems.items[i] ?? {})),
      ...[0, 1].map((k) => itemRow(blankItem, f.items.length + k, {})),
    ];
    const services = [
      ...f.services.map((r, i) => ({ ...r, index: i, err: problems.services[i] ?? {} })),
      { code: '', name: '', index: f.services.length, err: {} },
    ];
    const action = opts.mode === 'new' ? '/licence-types/new' : `/licence-types/${opts.base!.code}/edit`;
    res.status(opts.status ?? 200).send(
      await page('licence-type-edit', {
        title: opts.base ? `编辑证照类型：${opts.base.name}` : '新建证照类型',
        principal,
        nav: 'licence_types',
        action,
        base: opts.base,
        isNew: opts.mode === 'new',
        form: f,
        errors: problems.fields,
        summary: problems.summary,
        items,
        nextItemIndex: items.length,
        services,
        nextServiceIndex: services.length,
        units,
        preview: opts.preview,
        placeholders: f.items
          .filter((r) => /^[a-z][a-zA-Z0-9_]*$/.test(r.key))
          .map((r) => ({ code: `{{data.${r.key}}}`, label: r.label })),
        ...PLACEHOLDER_EXAMPLES,
        levels: AUTHORITY_LEVELS.map((l) => ({
          value: l,
          label: AUTHORITY_LEVEL_LABELS[l],
          selected: f.authorityLevel === l,
        })),
        holderCategories: HOLDER_CATEGORIES.map((c) => ({
          value: c,
          label: HOLDER_CATEGORY_LABELS[c],
          selected: f.holderCategory === c,
        })),
        sealKinds: SEAL_KINDS.map((k) => ({
          value: k,
          label: SEAL_KIND_LABELS[k],
          selected: f.sealKind === k,
        })),
        validityKinds: Object.entries(VALIDITY_KIND_LABELS).map(([value, label]) => ({
          value,
          label,
          selected: f.validityKind === value,
        })),
        itemTypes: DATA_ITEM_TYPES.map((t) => ({ value: t, label: DATA_ITEM_TYPE_LABELS[t] })),
      }),
    );
  };

  /** Handles the editor's three buttons: preview (nothing saved), save the draft, save and publish. */
  const submitEditor = async (
    req: Request,
    res: Response,
    principal: Principal,
    mode: 'new' | 'edit',
    base?: { code: string; version: number; status: string; name: string; newVersion: boolean },
  ) => {
    const values = (req.body ?? {}) as Record<string, unknown>;
    const f = formFromBody(values);
    if (base) f.code = base.code; // the code of an existing type never changes
    const { candidate, itemRows, serviceRows } = candidateOf(f);
    const action = str(values.action);
    const fail = (problems: FieldProblem[], extra?: { preview?: { error: string } }) =>
      renderEditor(principal, res, {
        form: f,
        mode,
        base,
        problems: placeProblems(problems, f, itemRows, serviceRows),
        status: 400,
        ...extra,
      });

    if (action === 'preview') {
      const parsed = PreviewBody.safeParse({ definition: candidate });
      if (!parsed.success) {
        const problems = problemsOf(parsed.error).map((p) => ({
          ...p,
          field: p.field.replace(/^definition\./, ''),
        }));
        return fail(problems, { preview: { error: '照面无法预览，请先修改下列标出的内容。' } });
      }
      try {
        const { html, sampleProblems } = await service.preview(principal, parsed.data, requestMeta(req));
        return renderEditor(principal, res, {
          form: f,
          mode,
          base,
          preview: {
            html,
            notes: sampleProblems.map((p) => `样例值（${p.field.slice('sample.'.length)}）：${p.message}`),
          },
        });
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED') throw err;
        const problems = ((apiError.details as FieldProblem[]) ?? []).map((p) => ({
          ...p,
          field: p.field.replace(/^definition\./, ''),
        }));
        return fail(problems, { preview: { error: '照面无法预览，请先修改下列标出的内容。' } });
      }
    }

    if (mode === 'new') {
      const existing = f.code ? await service.detail(principal, f.code).catch(() => null) : null;
      if (existing) {
        return fail([
          {
            field: 'code',
            rule: 'exists',
            message: `类型代码 ${f.code} 已存在（${existing.published?.name ?? existing.draft?.name ?? ''}），如需修改请在其详情页点击“编辑”生成新版本`,
          },
        ]);
      }
    }
    let saved: LicenceTypeVersionView;
    try {
      saved =
        base && !base.newVersion
          ? await service.updateDraft(principal, base.code, candidate, requestMeta(req))
          : await service.createDraft(principal, candidate, requestMeta(req));
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.code === 'VALIDATION_FAILED') return fail((apiError.details as FieldProblem[]) ?? []);
      if (apiError.code === 'CONFLICT' || apiError.code === 'NOT_FOUND') {
        return fail([{ field: 'body', rule: apiError.code.toLowerCase(), message: apiError.message }]);
      }
      throw err;
    }
    if (action === 'publish') {
      await service.publish(principal, saved.code, requestMeta(req));
      return res.redirect(303, `/licence-types/${saved.code}?flash=published`);
    }
    res.redirect(303, `/licence-types/${saved.code}?version=${saved.version}&flash=saved`);
  };

  // Before '/licence-types/:code', which would otherwise take "new" for a code.
  router.get(
    '/licence-types/new',
    auth,
    signedIn(async (_req, res, principal) => {
      requireCatalogueAdmin(principal);
      await renderEditor(principal, res, { form: blankForm(), mode: 'new' });
    }),
  );

  router.post(
    '/licence-types/new',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      requireCatalogueAdmin(principal);
      await submitEditor(req, res, principal, 'new');
    }),
  );

  /** What the editor of a code starts from: its draft, else its published version (saving makes a new draft). */
  const editBase = async (principal: Principal, code: string) => {
    const detail = await service.detail(principal, code);
    const from = detail.draft ?? detail.published;
    if (!from) return undefined;
    return {
      view: from,
      base: {
        code,
        version: from.version,
        status: from.statusLabel,
        name: from.name,
        newVersion: !detail.draft,
      },
    };
  };

  router.get(
    '/licence-types/:code/edit',
    auth,
    signedIn(async (req, res, principal) => {
      requireCatalogueAdmin(principal);
      const code = codeOf(req.params.code);
      const found = code ? await editBase(principal, code) : undefined;
      if (!found) return res.redirect(303, '/licence-types');
      await renderEditor(principal, res, {
        form: formFromDefinition(found.view.definition),
        mode: 'edit',
        base: found.base,
      });
    }),
  );

  router.post(
    '/licence-types/:code/edit',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      requireCatalogueAdmin(principal);
      const code = codeOf(req.params.code);
      const found = code ? await editBase(principal, code) : undefined;
      if (!found) return res.redirect(303, '/licence-types');
      await submitEditor(req, res, principal, 'edit', found.base);
    }),
  );

  router.post(
    '/licence-types/:code/publish',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const code = codeOf(req.params.code);
      if (!code) return res.redirect(303, '/licence-types');
      await service.publish(principal, code, requestMeta(req));
      res.redirect(303, `/licence-types/${code}?flash=published`);
    }),
  );

  router.post(
    '/licence-types/:code/draft/delete',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const code = codeOf(req.params.code);
      if (!code) return res.redirect(303, '/licence-types');
      await service.discardDraft(principal, code, requestMeta(req));
      const detail = await service.detail(principal, code).catch(() => null);
      res.redirect(303, detail ? `/licence-types/${code}?flash=discarded` : '/licence-types?flash=discarded');
    }),
  );

  router.get(
    '/licence-types/:code',
    auth,
    signedIn(async (req, res, principal) => {
      const code = codeOf(req.params.code);
      if (!code) return res.redirect(303, '/licence-types');
      const detail = await service.detail(principal, code);
      const wanted = Number(req.query.version);
      const shown = Number.isInteger(wanted)
        ? await service.version(principal, code, wanted)
        : (detail.published ?? detail.draft)!;
      const firstUnit = shown.issuingUnits[0] ? await directory.organisation(shown.issuingUnits[0].id) : null;
      const previewHtml = renderPreview(
        shown.definition,
        shown.face.sample,
        firstUnit ? { name: firstUnit.name, code: firstUnit.uscc } : undefined,
      );
      const isAdmin = isCatalogueAdmin(principal);
      const flash = FLASH[String(req.query.flash)];
      res.send(
        await page('licence-type', {
          title: `证照类型：${shown.name}`,
          principal,
          nav: 'licence_types',
          isAdmin,
          flash: flash ? { kind: 'ok', text: flash } : undefined,
          type: {
            ...shown,
            isDraft: shown.status === 'draft',
            isPublished: shown.status === 'published',
            reminders: shown.reminderDaysBeforeExpiry.map((d) => `${d} 天`).join('、') || '无',
            createdText: shanghaiDateTime(shown.createdAt),
            publishedText: shown.publishedAt ? shanghaiDateTime(shown.publishedAt) : null,
            supersededText: shown.supersededAt ? shanghaiDateTime(shown.supersededAt) : null,
            dataItems: shown.dataItems.map((item) => ({
              ...item,
              typeLabel: DATA_ITEM_TYPE_LABELS[item.type],
              enumText: item.enumValues?.join('、') ?? '',
              maskText: item.mask ? `保留前 ${item.mask.keepStart} 位、后 ${item.mask.keepEnd} 位` : '',
              sample: shown.face.sample[item.key] === undefined ? '' : String(shown.face.sample[item.key]),
            })),
          },
          draft: detail.draft && { version: detail.draft.version, shown: shown.id === detail.draft.id },
          published: detail.published && {
            version: detail.published.version,
            shown: shown.id === detail.published.id,
          },
          versions: detail.versions.map((v) => ({
            ...v,
            current: v.id === shown.id,
            published: v.status === 'published',
            createdText: shanghaiDateTime(v.createdAt),
            publishedText: v.publishedAt ? shanghaiDateTime(v.publishedAt) : '',
            supersededText: v.supersededAt ? shanghaiDateTime(v.supersededAt) : '',
          })),
          previewHtml,
        }),
      );
    }),
  );

  return router;
}
