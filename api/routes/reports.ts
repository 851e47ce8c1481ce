/**
 * Reports (issue 14, LM-29): the assessment as JSON (`GET /api/reports/assessment`), as an Excel workbook
 * (`.xlsx`) and as a PDF (`.pdf`); a unit's annual targets (`PUT /api/reports/assessment/targets`).
 */
import { Response, Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { AssessmentReportService } from '../services/assessment-reports';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Sends a report file as a download named after its period. */
export function sendReportFile(
  res: Response,
  file: { period: string; body: Buffer },
  ext: 'xlsx' | 'pdf',
): void {
  res
    .type(ext === 'xlsx' ? XLSX_TYPE : 'application/pdf')
    .set('Content-Disposition', `attachment; filename="assessment-${file.period}.${ext}"`)
    .send(file.body);
}

export function reportRoutes(ctx: AppContext, reports: AssessmentReportService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.get('/reports/assessment', auth, async (req, res) => {
    res.json(await reports.report(requirePrincipal(req), req.query));
  });

  router.get('/reports/assessment.xlsx', auth, async (req, res) => {
    sendReportFile(res, await reports.workbook(requirePrincipal(req), req.query), 'xlsx');
  });

  router.get('/reports/assessment.pdf', auth, async (req, res) => {
    sendReportFile(res, await reports.pdf(requirePrincipal(req), req.query), 'pdf');
  });

  router.put('/reports/assessment/targets', auth, async (req, res) => {
    res.json(await reports.setTargets(requirePrincipal(req), req.body, requestMeta(req)));
  });

  return router;
}
