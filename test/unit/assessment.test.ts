/**
 * LM-29 assessment figures (domain/assessment.ts): rates from known counts equal the hand-computed ones, against
 * the units' targets; periods in Shanghai time; the charts (presentation/assessment-charts.ts) carry their titles
 * and figures.
 */
import {
  AssessmentMetric,
  assessmentFigures,
  AssessmentQuery,
  MetricCount,
  periodBounds,
  periodMonths,
  ratePercent,
} from '../../domain/assessment';
import { assessmentCharts } from '../../presentation/assessment-charts';

const count = (
  bucket: string,
  organisationId: string,
  metric: AssessmentMetric,
  numerator: number,
  denominator: number,
): MetricCount => ({ bucket, organisationId, metric, numerator, denominator });

describe('ratePercent', () => {
  it.each([
    [3, 4, 75],
    [2, 3, 66.7],
    [1, 3, 33.3],
    [0, 5, 0],
    [7, 7, 100],
    [1, 8, 12.5],
    [0, 0, null],
  ])('%i / %i → %p', (n, d, expected) => {
    expect(ratePercent(n, d)).toBe(expected);
  });
});

describe('periods', () => {
  it('a year has twelve months; a month is itself; bounds are Shanghai midnights', () => {
    expect(periodMonths('2025')).toHaveLength(12);
    expect(periodMonths('2025')[11]).toBe('2025-12');
    expect(periodMonths('2025-03')).toEqual(['2025-03']);
    expect(periodBounds('2025-03')).toEqual({
      from: new Date('2025-02-28T16:00:00Z'),
      to: new Date('2025-03-31T16:00:00Z'),
    });
    expect(periodBounds('2025-12').to).toEqual(new Date('2025-12-31T16:00:00Z'));
    expect(periodBounds('2025')).toEqual({
      from: new Date('2024-12-31T16:00:00Z'),
      to: new Date('2025-12-31T16:00:00Z'),
    });
  });

  it('a period that is neither a year nor a month is refused, naming the field', () => {
    // 9999 and 0000 are found by the API fuzzer: their bounds are dates the database cannot take.
    for (const period of ['2025-13', '25', '2025-3', '2025-03-01', '', '9999', '0000-01', '1999']) {
      const parsed = AssessmentQuery.safeParse({ period });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0].path).toEqual(['period']);
    }
  });
});

describe('assessmentFigures on a fixture of known counts', () => {
  // Unit A: 8 of 10 cases collected, 6 of 8 issued in step, 3 of 12 valid licences used, 4 of 5 disputes timely,
  // 1 of 2 orders rectified in time. Unit B: 5 of 5, 2 of 5, 0 of 4, no disputes, 1 of 1.
  const counts: MetricCount[] = [
    count('period', 'a', 'collection', 8, 10),
    count('period', 'a', 'inStep', 6, 8),
    count('period', 'a', 'usage', 3, 12),
    count('period', 'a', 'disputes', 4, 5),
    count('period', 'a', 'rectification', 1, 2),
    count('period', 'b', 'collection', 5, 5),
    count('period', 'b', 'inStep', 2, 5),
    count('period', 'b', 'usage', 0, 4),
    count('period', 'b', 'rectification', 1, 1),
    // Months of the year: the period's usage is not the sum of the months' (a licence used twice is one).
    count('2025-03', 'a', 'collection', 8, 10),
    count('2025-03', 'a', 'usage', 3, 12),
    count('2025-04', 'a', 'usage', 2, 12),
    count('2025-03', 'b', 'collection', 5, 5),
    // A unit outside the report is not counted in its totals.
    count('period', 'c', 'collection', 0, 100),
  ];
  const figures = assessmentFigures({
    period: '2025',
    units: [
      { id: 'a', name: '甲单位' },
      { id: 'b', name: '乙单位' },
    ],
    counts,
    targets: new Map([
      ['a', { collection: 90, inStep: 75, usage: 20 }],
      ['b', { inStep: 50 }],
    ]),
  });
  const unit = (id: string) => figures.units.find((u) => u.organisationId === id)!.metrics;

  it.each([
    ['a', 'collection', 8, 10, 80, 90, false],
    ['a', 'inStep', 6, 8, 75, 75, true],
    ['a', 'usage', 3, 12, 25, 20, true],
    ['a', 'disputes', 4, 5, 80, null, null],
    ['a', 'rectification', 1, 2, 50, null, null],
    ['b', 'collection', 5, 5, 100, null, null],
    ['b', 'inStep', 2, 5, 40, 50, false],
    ['b', 'usage', 0, 4, 0, null, null],
    ['b', 'disputes', 0, 0, null, null, null],
    ['b', 'rectification', 1, 1, 100, null, null],
  ] as const)('%s %s: %i / %i = %p%% (target %p, met %p)', (id, metric, n, d, rate, target, met) => {
    expect(unit(id)[metric]).toEqual({ numerator: n, denominator: d, rate, target, met });
  });

  it('the jurisdiction’s total adds the units’ counts; the trend is month by month', () => {
    expect(figures.total.collection).toMatchObject({
      numerator: 13,
      denominator: 15,
      rate: 86.7,
      target: null,
    });
    expect(figures.total.inStep).toMatchObject({ numerator: 8, denominator: 13, rate: 61.5 });
    expect(figures.total.usage).toMatchObject({ numerator: 3, denominator: 16, rate: 18.8 });
    expect(figures.trend.map((t) => t.month)).toEqual(periodMonths('2025'));
    expect(figures.trend[2].metrics.collection.rate).toBe(86.7);
    expect(figures.trend[2].metrics.usage.rate).toBe(25);
    expect(figures.trend[3].metrics.usage.rate).toBe(16.7);
    expect(figures.trend[0].metrics.collection.rate).toBeNull();
  });

  it('the charts carry their titles and each unit’s figures', () => {
    const [bars, trend] = assessmentCharts(figures);
    expect(bars.title).toBe('2025 各单位考核指标（%）');
    expect(trend.title).toBe('2025 逐月考核指标（%）');
    for (const chart of [bars, trend]) {
      expect(chart.svg.startsWith('<svg')).toBe(true);
      expect(chart.svg).toContain(chart.title);
    }
    for (const label of ['甲单位', '乙单位', '>80<', '>75<', '>25<', '>40<', '>100<']) {
      expect(bars.svg).toContain(label);
    }
    for (const label of ['>86.7<', '>16.7<']) expect(trend.svg).toContain(label);
  });
});
