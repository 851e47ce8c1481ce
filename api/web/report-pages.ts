/**
 * The assessment report page (issue 14, LM-29): `/reports/assessment?period=&unit=` with its charts (SVG drawn on
 * the server) and table, and its downloads `/reports/assessment.xlsx` and `.pdf` for the signed-in supervisor. The
 * rules live in AssessmentReportService.
 */
import { Router } from 'express';
import { AssessmentQuery } from '../../domain/assessment';
import { shanghaiDateOf } from '../../domain/calendar';
import { assessmentCharts } from '../../presentation/assessment-charts';
import type { AppContext } from '../context';
import { forbidden } from '../errors';
import { isManagementOverseer } from '../access';
import { sendReportFile } from '../routes/reports';
import { AssessmentReportService, assessmentView } from '../services/assessment-reports';
import type { SupervisionFindingService } from '../services/supervision-findings';
import { problemsOf } from '../validation';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

const FIELD_LABELS: Record<string, string> = { period: '期间', unit: '单位' };
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export function reportPageRoutes(
  ctx: AppContext,
  reports: AssessmentReportService,
  findings: SupervisionFindingService,
): Router {
  const { router, auth } = pageRouter(ctx);

  router.get(
    '/reports/assessment',
    auth,
    signedIn(async (req, res, principal) => {
      if (!isManagementOverseer(principal)) throw forbidden('只有管理单位的监督管理人员可以查看考核报告');
      const values = {
        period: str(req.query.period) || shanghaiDateOf(new Date()).slice(0, 7),
        unit: str(req.query.unit),
      };
      const raw = { period: values.period, ...(values.unit ? { unit: values.unit } : {}) };
      const parsed = AssessmentQuery.safeParse(raw);
      const errors = parsed.success
        ? []
        : problemsOf(parsed.error).map((p) => `${FIELD_LABELS[p.field] ?? p.field}：${p.message}`);
      const figures = parsed.success ? await reports.report(principal, raw) : null;
      const units = [...(await findings.jurisdictionUnits(principal)).values()]
        .filter((u) => u.functions.includes('issuing_unit'))
        .sort((a, b) => a.name.localeCompare(b.name));
      res.status(parsed.success ? 200 : 400).send(
        renderPage('assessment', {
          title: '考核报告',
          principal,
          nav: 'assessment',
          values,
          errors,
          unitChoices: units.map((u) => ({ id: u.id, name: u.name, selected: u.id === values.unit })),
          query: new URLSearchParams(raw).toString(),
          report: figures && assessmentView(figures, assessmentCharts(figures)),
        }),
      );
    }),
  );

  router.get(
    '/reports/assessment.xlsx',
    auth,
    signedIn(async (req, res, principal) => {
      sendReportFile(res, await reports.workbook(principal, req.query), 'xlsx');
    }),
  );

  router.get(
    '/reports/assessment.pdf',
    auth,
    signedIn(async (req, res, principal) => {
      sendReportFile(res, await reports.pdf(principal, req.query), 'pdf');
    }),
  );

  return router;
}
