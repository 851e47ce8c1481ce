/**
 * The assessment report (LM-29, WP 三(四)): a management unit's supervisors see the five rates of the units of
 * their jurisdiction for a year or a month, against each unit's annual targets, which they set; the report also
 * comes as an Excel workbook and as a PDF (printed by chromium, infra/pdf.ts, as the licence copies are).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Handlebars from 'handlebars';
import { recordAudit } from '../../db/audit';
import { assessmentCounts, assessmentTargets, setAssessmentTargets } from '../../db/assessment-counts';
import {
  ASSESSMENT_METRIC_LABELS,
  ASSESSMENT_METRIC_NOTES,
  ASSESSMENT_METRICS,
  AssessmentFigures,
  assessmentFigures,
  AssessmentQuery,
  AssessmentTargetsBody,
  MetricFigure,
  periodYear,
} from '../../domain/assessment';
import { shanghaiDateTime } from '../../domain/format';
import { PdfRendererBusy, renderPdf } from '../../infra/pdf';
import { AssessmentChart, assessmentCharts } from '../../presentation/assessment-charts';
import type { AppContext } from '../context';
import { ApiError, badRequest, forbidden } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { SupervisionFindingService } from './supervision-findings';

const TEMPLATES = path.join(__dirname, '..', '..', 'templates');
const hbs = Handlebars.create();
hbs.registerPartial(
  'assessment-report',
  readFileSync(path.join(TEMPLATES, 'partials', 'assessment-report.hbs'), 'utf8'),
);
const printTemplate = hbs.compile(readFileSync(path.join(TEMPLATES, 'reports', 'assessment.hbs'), 'utf8'));

const percentText = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)}%`);
const metText = (f: MetricFigure) => (f.met === null ? '—' : f.met ? '达标' : '未达标');

/** The figures as the page and the PDF show them: one row per unit and metric, texts ready to print. */
export function assessmentView(figures: AssessmentFigures, charts: AssessmentChart[]) {
  const rows = (metrics: Record<string, MetricFigure>) =>
    ASSESSMENT_METRICS.map((m) => ({
      metric: m,
      label: ASSESSMENT_METRIC_LABELS[m],
      numerator: metrics[m].numerator,
      denominator: metrics[m].denominator,
      rateText: percentText(metrics[m].rate),
      targetText: percentText(metrics[m].target),
      metText: metText(metrics[m]),
      missed: metrics[m].met === false,
    }));
  return {
    period: figures.period,
    charts,
    units: figures.units.map((u) => ({
      organisationId: u.organisationId,
      name: u.name,
      rows: rows(u.metrics),
    })),
    total: rows(figures.total),
    notes: ASSESSMENT_METRICS.map((m) => ({
      label: ASSESSMENT_METRIC_LABELS[m],
      note: ASSESSMENT_METRIC_NOTES[m],
    })),
  };
}

export class AssessmentReportService {
  constructor(
    private readonly ctx: AppContext,
    private readonly findings: SupervisionFindingService,
  ) {}

  /** GET /api/reports/assessment: the figures (403 unless the caller supervises the unit's jurisdiction). */
  async report(principal: Principal, raw: unknown): Promise<AssessmentFigures> {
    const query = parse(AssessmentQuery, raw);
    const units = await this.findings.jurisdictionUnits(principal);
    if (query.unit && !units.has(query.unit)) throw forbidden('该单位不在您的管辖范围内');
    const em = this.ctx.em();
    const ids = query.unit ? [query.unit] : [...units.keys()];
    const counts = await assessmentCounts(em, query.period, ids);
    const targets = await assessmentTargets(em, periodYear(query.period), ids);
    // All of the jurisdiction's units with something to assess or a target; the unit asked for in any case.
    const shown = ids.filter(
      (id) =>
        query.unit || targets.has(id) || counts.some((c) => c.organisationId === id && c.denominator > 0),
    );
    return assessmentFigures({
      period: query.period,
      units: shown
        .map((id) => ({ id, name: units.get(id)!.name }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      counts,
      targets,
    });
  }

  /** PUT /api/reports/assessment/targets: a unit's annual targets, set by its management unit; audited. */
  async setTargets(principal: Principal, raw: unknown, meta: RequestMeta) {
    const body = parse(AssessmentTargetsBody, raw);
    const units = await this.findings.jurisdictionUnits(principal);
    if (!units.has(body.organisationId)) {
      throw badRequest([
        { field: 'organisationId', rule: 'jurisdiction', message: '该单位不存在或不在您的管辖范围内' },
      ]);
    }
    const setAt = new Date();
    await this.ctx.em().transactional(async (tx) => {
      await setAssessmentTargets(tx, { ...body, setBy: principal.username, setAt });
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'assessment.targets',
        targetType: 'organisation',
        targetId: body.organisationId,
        outcome: 'success',
        details: { year: body.year, targets: body.targets },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    return { ...body, setBy: principal.username, setAt: setAt.toISOString() };
  }

  /** The report as an Excel workbook: 考核指标 (unit × metric) and 逐月趋势 (month × metric). */
  async workbook(principal: Principal, raw: unknown): Promise<{ period: string; body: Buffer }> {
    const figures = await this.report(principal, raw);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('考核指标');
    sheet.addRow(['单位', '指标', '分子', '分母', '比率(%)', '年度目标(%)', '是否达标']);
    const lines = [
      ...figures.units.map((u) => ({ name: u.name, metrics: u.metrics })),
      { name: '合计', metrics: figures.total },
    ];
    for (const line of lines) {
      for (const m of ASSESSMENT_METRICS) {
        const f = line.metrics[m];
        sheet.addRow([
          line.name,
          ASSESSMENT_METRIC_LABELS[m],
          f.numerator,
          f.denominator,
          f.rate,
          f.target,
          metText(f),
        ]);
      }
    }
    const trend = book.addWorksheet('逐月趋势');
    trend.addRow(['月份', ...ASSESSMENT_METRICS.map((m) => `${ASSESSMENT_METRIC_LABELS[m]}(%)`)]);
    for (const t of figures.trend)
      trend.addRow([t.month, ...ASSESSMENT_METRICS.map((m) => t.metrics[m].rate)]);
    for (const s of [sheet, trend]) s.getRow(1).font = { bold: true };
    return { period: figures.period, body: Buffer.from(await book.xlsx.writeBuffer()) };
  }

  /** The report as a PDF: the charts, the table and what each rate divides. */
  async pdf(principal: Principal, raw: unknown): Promise<{ period: string; body: Buffer }> {
    const figures = await this.report(principal, raw);
    const html = printTemplate({
      ...assessmentView(figures, assessmentCharts(figures)),
      printedAt: shanghaiDateTime(new Date()),
    });
    try {
      return { period: figures.period, body: await renderPdf(html, { landscape: true }) };
    } catch (err) {
      if (err instanceof PdfRendererBusy) throw new ApiError('UNAVAILABLE', 'PDF 生成繁忙，请稍后再试');
      throw err;
    }
  }
}
