/**
 * The search form every inbox list shares (待办, 已办, 我发起的, 抄送, 督办): kind, unit, keyword (办件编号, title,
 * initiator, unit), start dates and the page, read leniently from a page's query string (a bad value is named and
 * ignored, never a 400 page), and the pager's links. The JSON API validates the same fields with zod
 * (api/services/approval-requests.ts ListSearchParams).
 */
import { endOfShanghaiDay, isIsoDate } from '../../domain/calendar';
import { PROCESS_KINDS, ProcessKind } from '../../domain/flow-definition';

export const LIST_PAGE_SIZE = 20;

export interface ListSearchForm {
  kind: ProcessKind | '';
  unit: string;
  q: string;
  from: string;
  to: string;
  overdue: boolean;
  dueBefore: string;
}

export interface ListSearch {
  form: ListSearchForm;
  /** The service query's search fields (InboxQuery / SupervisionQuery), without the page. */
  query: {
    kind?: ProcessKind;
    unit?: string;
    q?: string;
    from?: string;
    to?: string;
    overdue?: boolean;
    dueBefore?: string;
  };
  page: number;
  errors: string[];
  filtered: boolean;
}

const DATE_LABELS = { from: '申请日期自', to: '申请日期至', dueBefore: '到期不晚于' } as const;

export function listSearchOf(q: Record<string, unknown>): ListSearch {
  const text = (v: unknown, max: number) =>
    typeof v === 'string' ? v.trim().replace(/\0/g, '').slice(0, max) : '';
  const kind = (PROCESS_KINDS as readonly unknown[]).includes(q.kind) ? (q.kind as ProcessKind) : '';
  const form: ListSearchForm = {
    kind,
    unit: text(q.unit, 64),
    q: text(q.q, 100),
    from: text(q.from, 10),
    to: text(q.to, 10),
    overdue: q.overdue === 'true',
    dueBefore: text(q.dueBefore, 10),
  };
  const errors: string[] = [];
  for (const key of ['from', 'to', 'dueBefore'] as const) {
    if (form[key] && !isIsoDate(form[key])) {
      errors.push(`${DATE_LABELS[key]}“${form[key]}”不是有效日期，已忽略`);
      form[key] = '';
    }
  }
  const query: ListSearch['query'] = {
    ...(form.kind ? { kind: form.kind } : {}),
    ...(form.unit ? { unit: form.unit } : {}),
    ...(form.q ? { q: form.q } : {}),
    ...(form.from ? { from: form.from } : {}),
    ...(form.to ? { to: form.to } : {}),
    ...(form.overdue ? { overdue: true } : {}),
    ...(form.dueBefore ? { dueBefore: endOfShanghaiDay(form.dueBefore).toISOString() } : {}),
  };
  const page = Math.min(Math.max(Number.parseInt(text(q.page, 6), 10) || 1, 1), 10_000);
  return { form, query, page, errors, filtered: Object.keys(query).length > 0 };
}

/** The query string of a search (without the page), for the pager's and the export's links. */
export function searchParamsOf(form: ListSearchForm, extra: Record<string, string> = {}): URLSearchParams {
  const params = new URLSearchParams(extra);
  for (const [k, v] of Object.entries(form)) {
    if (v === true) params.set(k, 'true');
    else if (typeof v === 'string' && v) params.set(k, v);
  }
  return params;
}

export interface Pager {
  page: number;
  pages: number;
  total: number;
  prevUrl: string | null;
  nextUrl: string | null;
}

export function pagerOf(path: string, params: URLSearchParams, page: number, total: number): Pager {
  const pages = Math.max(1, Math.ceil(total / LIST_PAGE_SIZE));
  const at = (n: number) => {
    const p = new URLSearchParams(params);
    p.set('page', String(n));
    return `${path}?${p}`;
  };
  return {
    page,
    pages,
    total,
    prevUrl: page > 1 ? at(Math.min(page - 1, pages)) : null,
    nextUrl: page < pages ? at(page + 1) : null,
  };
}
