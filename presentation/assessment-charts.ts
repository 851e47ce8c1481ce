/**
 * The assessment report's charts (LM-29), drawn on the server as SVG with echarts' server-side rendering: the
 * rates by unit as bars, and the jurisdiction's rates month by month as lines. Every bar and point carries its
 * figure as a label, so the page, the PDF and a screen reader show the numbers, not only the shapes.
 */
import * as echarts from 'echarts';
import {
  ASSESSMENT_METRIC_LABELS,
  ASSESSMENT_METRICS,
  AssessmentFigures,
  MetricFigure,
} from '../domain/assessment';

export interface AssessmentChart {
  title: string;
  svg: string;
}

const FONT = 'Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif';
const rateOf = (f: MetricFigure) => f.rate;

function render(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const legend = { top: 28, data: ASSESSMENT_METRICS.map((m) => ASSESSMENT_METRIC_LABELS[m]) };
const label = { show: true, position: 'top' as const, fontSize: 10, formatter: '{c}' };

export function unitBarChart(figures: AssessmentFigures): AssessmentChart {
  const title = `${figures.period} 各单位考核指标（%）`;
  const svg = render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend,
      grid: { top: 80, left: 40, right: 16, bottom: 60 },
      xAxis: {
        type: 'category',
        data: figures.units.map((u) => u.name),
        axisLabel: { interval: 0, rotate: figures.units.length > 3 ? 20 : 0 },
      },
      yAxis: { type: 'value', min: 0, max: 100 },
      series: ASSESSMENT_METRICS.map((m) => ({
        name: ASSESSMENT_METRIC_LABELS[m],
        type: 'bar' as const,
        label,
        data: figures.units.map((u) => rateOf(u.metrics[m])),
      })),
    },
    Math.max(640, 120 * figures.units.length + 80),
    380,
  );
  return { title, svg };
}

export function monthTrendChart(figures: AssessmentFigures): AssessmentChart {
  const title = `${figures.period} 逐月考核指标（%）`;
  const svg = render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend,
      grid: { top: 80, left: 40, right: 16, bottom: 40 },
      xAxis: { type: 'category', data: figures.trend.map((t) => t.month) },
      yAxis: { type: 'value', min: 0, max: 100 },
      series: ASSESSMENT_METRICS.map((m) => ({
        name: ASSESSMENT_METRIC_LABELS[m],
        type: 'line' as const,
        connectNulls: false,
        label,
        data: figures.trend.map((t) => rateOf(t.metrics[m])),
      })),
    },
    720,
    380,
  );
  return { title, svg };
}

export function assessmentCharts(figures: AssessmentFigures): AssessmentChart[] {
  return [unitBarChart(figures), monthTrendChart(figures)];
}
