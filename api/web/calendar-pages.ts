/**
 * The working-day calendar pages (zh-CN): a year's holidays and make-up working days (调休上班), an editor for
 * platform administrators (one `YYYY-MM-DD 名称` per line) and a deadline calculator. The rules live in
 * CalendarService, shared with the JSON API.
 */
import { Router } from 'express';
import { dayOfWeek, shanghaiDateOf } from '../../domain/calendar';
import { deadlineText } from '../../presentation/deadline-text';
import { shanghaiDateTime } from '../../domain/format';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import { CalendarService, CalendarYearParam, CalendarYearView, DeadlineQuery } from '../services/calendar';
import { problemsOf } from '../validation';
import { yearGrid } from './calendar-grid';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';
import { requestMeta } from '../principal';

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const LIST_LABELS: Record<string, string> = { holidays: '节假日', workdays: '调休上班日' };

interface Line {
  /** 1-based line number in the textarea, for messages the clerk can find. */
  line: number;
  date: string;
  name: string;
}

/**
 * Reads a textarea: one day per line, `2026-10-01 国庆节`; `2026/10/1` is accepted and normalised, blank lines are
 * skipped. Malformed dates pass through unchanged so that validation names the line.
 */
export function parseDayLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!trimmed) return;
    const [first, ...rest] = trimmed.split(/[\s\u3000]+/);
    const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(first);
    const date = m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : first;
    lines.push({ line: i + 1, date, name: rest.join(' ') });
  });
  return lines;
}

const toText = (days: Array<{ date: string; name: string }>) =>
  days.map((d) => `${d.date} ${d.name}`).join('\n');

function shanghaiYear(): number {
  return Number(shanghaiDateOf(new Date()).slice(0, 4));
}

export function calendarPageRoutes(ctx: AppContext, service: CalendarService): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '64kb' });

  const yearParam = (value: unknown): number | undefined => {
    const parsed = CalendarYearParam.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };

  const render = async (
    principal: Principal,
    year: number,
    extra: {
      holidaysText?: string;
      workdaysText?: string;
      errors?: Array<{ list: string; text: string }>;
      flash?: { kind: string; text: string };
      query?: Record<string, unknown>;
    } = {},
  ) => {
    const [view, years] = await Promise.all([service.year(year), service.years()]);
    const isAdmin = principal.roles.includes('platform_admin');
    return renderPage('calendar', {
      title: `${year} 年工作日历`,
      principal,
      nav: 'calendar',
      year,
      prevYear: year - 1,
      nextYear: year + 1,
      view: decorate(view),
      // Issue 17 Build 6: one year at a time (a year picker, not a tab per year) as twelve month grids.
      years: [...new Set([...years.map((y) => y.year), year])]
        .sort((a, b) => a - b)
        .map((y) => ({ year: y, current: y === year })),
      months: yearGrid(year, view.holidays, view.workdays),
      isAdmin,
      holidaysText: extra.holidaysText ?? toText(view.holidays),
      workdaysText: extra.workdaysText ?? toText(view.workdays),
      errors: (extra.errors ?? []).map((e) => e.text),
      // Each list's problems beside its textarea.
      holidaysErrors: (extra.errors ?? []).filter((e) => e.list === 'holidays').map((e) => e.text),
      workdaysErrors: (extra.errors ?? []).filter((e) => e.list === 'workdays').map((e) => e.text),
      flash: extra.flash,
      calculator: await calculator(service, year, extra.query ?? {}),
    });
  };

  router.get(
    '/calendar',
    auth,
    signedIn(async (req, res) => {
      res.redirect(303, `/calendar/${yearParam(req.query.year) ?? shanghaiYear()}`);
    }),
  );

  router.get(
    '/calendar/:year',
    auth,
    signedIn(async (req, res, principal) => {
      const year = yearParam(req.params.year);
      if (year === undefined) return res.redirect(303, '/calendar');
      const flash =
        req.query.flash === 'saved' ? { kind: 'ok', text: `${year} 年工作日历已保存。` } : undefined;
      res.send(await render(principal, year, { flash, query: req.query }));
    }),
  );

  router.post(
    '/calendar/:year',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const year = yearParam(req.params.year);
      if (year === undefined) return res.redirect(303, '/calendar');
      const values = req.body as Record<string, unknown>;
      const holidaysText = String(values.holidays ?? '');
      const workdaysText = String(values.workdays ?? '');
      const lists = { holidays: parseDayLines(holidaysText), workdays: parseDayLines(workdaysText) };
      const body = {
        holidays: lists.holidays.map(({ date, name }) => ({ date, name })),
        workdays: lists.workdays.map(({ date, name }) => ({ date, name })),
      };
      try {
        await service.updateYear(principal, year, body, requestMeta(req));
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED') throw err;
        const errors = ((apiError.details as FieldProblem[]) ?? []).map((p) => ({
          list: p.field.split('.')[0]!,
          text: describe(p, lists),
        }));
        res.status(400).send(await render(principal, year, { holidaysText, workdaysText, errors }));
        return;
      }
      res.redirect(303, `/calendar/${year}?flash=saved`);
    }),
  );

  return router;
}

/** `holidays.3.date` → “节假日 第 5 行（2026-02-30）：…”, pointing at the textarea line. */
function describe(problem: FieldProblem, lists: Record<string, Line[]>): string {
  const [list, index] = problem.field.split('.');
  const line = lists[list]?.[Number(index)];
  if (!line) return `${LIST_LABELS[list] ?? problem.field}：${problem.message}`;
  return `${LIST_LABELS[list]} 第 ${line.line} 行（${line.date}${line.name ? ` ${line.name}` : ''}）：${problem.message}`;
}

function decorate(view: CalendarYearView) {
  const withWeekday = (days: Array<{ date: string; name: string }>) =>
    days.map((d) => ({
      ...d,
      weekday: /^\d{4}-\d{2}-\d{2}$/.test(d.date) ? WEEKDAYS[dayOfWeek(d.date)] : '',
    }));
  return {
    ...view,
    holidays: withWeekday(view.holidays),
    workdays: withWeekday(view.workdays),
    updatedAtText: view.updatedAt ? shanghaiDateTime(view.updatedAt) : null,
    sourceLabel:
      view.source === 'admin' ? '管理员编辑' : view.source ? '初始数据（国务院办公厅公布的放假安排）' : null,
  };
}

/**
 * The calculator reads `from` (date), `time`, `n` and `unit` from the query string; without `from` it only shows
 * the form. Errors are shown next to it, in Chinese.
 */
async function calculator(service: CalendarService, year: number, query: Record<string, unknown>) {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const unit = str(query.unit) === 'hours' ? 'hours' : 'days';
  const values = {
    from: str(query.from) || `${year}-01-01`,
    time: str(query.time) || '09:00',
    n: str(query.n) || '1',
    unit,
    unitHours: unit === 'hours',
  };
  if (!query.from) return { values };
  const candidate = {
    from: `${values.from}T${values.time.length === 5 ? `${values.time}:00` : values.time}+08:00`,
    [unit === 'hours' ? 'workingHours' : 'workingDays']: values.n,
  };
  const parsed = DeadlineQuery.safeParse(candidate);
  if (!parsed.success) {
    const labels: Record<string, string> = {
      from: '受理时间',
      workingDays: '工作日数',
      workingHours: '工作小时数',
    };
    return {
      values,
      error: problemsOf(parsed.error)
        .map((p) => `${labels[p.field] ?? p.field}：${p.message}`)
        .join('；'),
    };
  }
  const result = await service.deadline(parsed.data);
  return {
    values,
    result: {
      provisional: result.provisional,
      // Day deadlines end at 24:00 of the last working day: the one deadline format, with the year.
      text: deadlineText(result.dueAt, { year: true }),
      dueAt: result.dueAt,
    },
  };
}
