/**
 * Assessment (LM-29, WP 三(四)): per unit and period, five rates against the annual targets set per unit. The
 * counts come from the platform's records (db/assessment-counts.ts); this module turns them into figures. Pure: no
 * I/O, no clock.
 */
import { z } from 'zod';
import { startOfShanghaiDay } from './calendar';

export const ASSESSMENT_METRICS = ['collection', 'inStep', 'usage', 'disputes', 'rectification'] as const;
export type AssessmentMetric = (typeof ASSESSMENT_METRICS)[number];

export const ASSESSMENT_METRIC_LABELS: Record<AssessmentMetric, string> = {
  collection: '数据归集率',
  inStep: '同步生成率',
  usage: '证照使用率',
  disputes: '异议处理及时率',
  rectification: '整改及时率',
};

/** What each rate divides, for the report's notes. */
export const ASSESSMENT_METRIC_NOTES: Record<AssessmentMetric, string> = {
  collection: '已生成电子证照的办件数 ÷ 办结告知或报送的办件数',
  inStep: '在办结次一工作日 24 时前到达的证照数 ÷ 已签发证照数',
  usage: '被用证单位查看或核验过的证照数 ÷ 有效证照数',
  disputes: '未逾期标注且未逾期答复的异议数 ÷ 收到的异议数',
  rectification: '在期限内验收的整改通知数 ÷ 已验收或逾期的整改通知数',
};

/**
 * A period is a year (`2026`) or a month (`2026-11`), in Shanghai time, of the years the targets may be set for
 * (2000 to 2099): a year such as 9999 would end in a date the database cannot take.
 */
export const PERIOD_PATTERN = /^(20\d{2})(?:-(0[1-9]|1[0-2]))?$/;

export const AssessmentQuery = z
  .object({
    period: z
      .string()
      .trim()
      .regex(PERIOD_PATTERN, { message: '应为 2000 至 2099 年间的年份（如 2026）或年月（如 2026-11）' }),
    unit: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type AssessmentQuery = z.infer<typeof AssessmentQuery>;

const Percent = z
  .number()
  .min(0, { message: '应在 0 到 100 之间' })
  .max(100, { message: '应在 0 到 100 之间' });

/** PUT /api/reports/assessment/targets: a unit's annual targets, in percent; a metric left out has no target. */
export const AssessmentTargetsBody = z
  .object({
    organisationId: z.string().trim().min(1).max(100),
    year: z
      .number()
      .int()
      .min(2000, { message: '应为 2000 年以后' })
      .max(2100, { message: '应为 2100 年以前' }),
    targets: z
      .object(
        Object.fromEntries(ASSESSMENT_METRICS.map((m) => [m, Percent.optional()])) as {
          [K in AssessmentMetric]: z.ZodOptional<typeof Percent>;
        },
      )
      .strict(),
  })
  .strict();
export type AssessmentTargetsBody = z.infer<typeof AssessmentTargetsBody>;
export type AssessmentTargets = Partial<Record<AssessmentMetric, number>>;

/** The months of a period, `YYYY-MM`. */
export function periodMonths(period: string): string[] {
  const m = PERIOD_PATTERN.exec(period);
  if (!m) throw new Error(`not a period: ${period}`);
  if (m[2]) return [period];
  return Array.from({ length: 12 }, (_, i) => `${m[1]}-${String(i + 1).padStart(2, '0')}`);
}

/** The instants a month or a period spans: from 00:00 Shanghai on its first day to 00:00 after its last. */
export function periodBounds(period: string): { from: Date; to: Date } {
  const months = periodMonths(period);
  const first = months[0];
  const last = months[months.length - 1];
  const [y, mo] = last.split('-').map(Number);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { from: startOfShanghaiDay(`${first}-01`), to: startOfShanghaiDay(`${next}-01`) };
}

export function periodYear(period: string): number {
  return Number(period.slice(0, 4));
}

/** A count over a bucket: the whole period (`'period'`) or one of its months (`YYYY-MM`). */
export interface MetricCount {
  bucket: string;
  organisationId: string;
  metric: AssessmentMetric;
  numerator: number;
  denominator: number;
}

export interface MetricFigure {
  numerator: number;
  denominator: number;
  /** Percent with one decimal; null when there is nothing to divide by. */
  rate: number | null;
  target: number | null;
  /** Whether the rate reaches the target; null without a target or without a rate. */
  met: boolean | null;
}

export interface AssessmentFigures {
  period: string;
  units: Array<{ organisationId: string; name: string; metrics: Record<AssessmentMetric, MetricFigure> }>;
  /** All the units together (the jurisdiction's figure), without a target. */
  total: Record<AssessmentMetric, MetricFigure>;
  /** All the units together, month by month. */
  trend: Array<{ month: string; metrics: Record<AssessmentMetric, MetricFigure> }>;
}

/** Percent with one decimal, null for 0/0. */
export function ratePercent(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return Math.round((numerator / denominator) * 1000) / 10;
}

function figure(numerator: number, denominator: number, target: number | null): MetricFigure {
  const rate = ratePercent(numerator, denominator);
  return {
    numerator,
    denominator,
    rate,
    target,
    met: target === null || rate === null ? null : rate >= target,
  };
}

function metricsOf(
  counts: readonly MetricCount[],
  keep: (c: MetricCount) => boolean,
  targets: AssessmentTargets,
): Record<AssessmentMetric, MetricFigure> {
  const out = {} as Record<AssessmentMetric, MetricFigure>;
  for (const metric of ASSESSMENT_METRICS) {
    const mine = counts.filter((c) => c.metric === metric && keep(c));
    const n = mine.reduce((s, c) => s + c.numerator, 0);
    const d = mine.reduce((s, c) => s + c.denominator, 0);
    out[metric] = figure(n, d, targets[metric] ?? null);
  }
  return out;
}

/**
 * The report's figures: each unit's rates over the period against its targets, the units together, and the
 * units together month by month. Counts of the period are taken as given (a licence used in two months is one
 * licence used in the year), not summed from the months.
 */
export function assessmentFigures(input: {
  period: string;
  units: ReadonlyArray<{ id: string; name: string }>;
  counts: readonly MetricCount[];
  targets: ReadonlyMap<string, AssessmentTargets>;
}): AssessmentFigures {
  const { period, units, counts, targets } = input;
  const ids = new Set(units.map((u) => u.id));
  const ofPeriod = (c: MetricCount) => c.bucket === 'period' && ids.has(c.organisationId);
  return {
    period,
    units: units.map((u) => ({
      organisationId: u.id,
      name: u.name,
      metrics: metricsOf(counts, (c) => ofPeriod(c) && c.organisationId === u.id, targets.get(u.id) ?? {}),
    })),
    total: metricsOf(counts, ofPeriod, {}),
    trend: periodMonths(period).map((month) => ({
      month,
      metrics: metricsOf(counts, (c) => c.bucket === month && ids.has(c.organisationId), {}),
    })),
  };
}
