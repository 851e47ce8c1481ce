/**
 * The printed 审批单 of an approval process (issue 17 Build 4), `GET /approvals/:id/print.pdf`: the 办件编号, the
 * material (fields, imprint, attachments), the steps and every decision with its opinion, rendered to PDF by the
 * platform's one chromium renderer (infra/pdf.ts) from a self-contained page (the imprint as a data URL). Whoever
 * may read the process may print it; each print is audited.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import Handlebars from 'handlebars';
import { recordAudit } from '../../db/audit';
import { shanghaiDateTime } from '../../domain/format';
import { PdfRendererBusy, renderPdf } from '../../infra/pdf';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { actorOf, Principal, requestMeta } from '../principal';
import type { ApprovalService } from '../services/approvals';
import { approvalMaterial, MaterialSources } from './approval-material';
import { approvalSummary } from './approval-pages';
import { signedIn } from './render';

const template = Handlebars.create().compile(
  readFileSync(path.join(__dirname, '..', '..', 'templates', 'reports', 'approval-form.hbs'), 'utf8'),
);

/** The 审批单's page: what the template prints, texts ready. */
export async function approvalFormHtml(
  approvals: ApprovalService,
  material: MaterialSources,
  principal: Principal,
  processKey: string,
): Promise<{ html: string; caseNumber: string | null; title: string }> {
  const view = await approvals.view(principal, processKey);
  const summary = approvalSummary(view);
  const caseNumber = await approvals.caseNumber(view.id);
  const html = template({
    view: summary,
    caseNumber,
    material: await approvalMaterial(material, principal, view, { inlineImprint: true }),
    steps: summary.stepsView.map((s) => ({ ...s, holdersText: s.holders.join('；') })),
    decisions: summary.decisions.map((e) => ({
      ...e,
      opinion: [e.targetsText ? `→ ${e.targetsText}` : '', e.detailText, e.commentText]
        .filter(Boolean)
        .join(' '),
      attachmentsText: e.attachments.map((a) => a.fileName).join('、'),
    })),
    printedAt: shanghaiDateTime(new Date()),
    printedBy: principal.displayName ?? principal.username,
  });
  return { html, caseNumber, title: view.title };
}

export function approvalPrintRoutes(
  ctx: AppContext,
  approvals: ApprovalService,
  material: MaterialSources,
): Router {
  const router = Router();
  router.get(
    '/approvals/:id/print.pdf',
    signedIn(async (req, res, principal) => {
      const { html, caseNumber } = await approvalFormHtml(
        approvals,
        material,
        principal,
        String(req.params.id),
      );
      let pdf: Buffer;
      try {
        pdf = await renderPdf(html);
      } catch (err) {
        if (err instanceof PdfRendererBusy) throw new ApiError('UNAVAILABLE', 'PDF 生成繁忙，请稍后再试');
        throw err;
      }
      const meta = requestMeta(req);
      await recordAudit(ctx.em(), {
        actor: actorOf(principal),
        action: 'approval.printed',
        targetType: 'approval_process',
        targetId: String(req.params.id),
        outcome: 'success',
        details: { caseNumber },
        requestId: meta.requestId,
        ip: meta.ip,
      });
      const fileName = `审批单-${caseNumber ?? '未编号'}.pdf`;
      res
        .type('application/pdf')
        .set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`)
        .set('Cache-Control', 'no-store')
        .send(pdf);
    }),
  );
  return router;
}
