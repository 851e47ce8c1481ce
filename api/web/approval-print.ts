/**
 * The printed 审批单 of an approval process (issue 17 Build 4), `GET /approvals/:id/print.pdf`: the 办件编号, the
 * material (fields, imprint, attachments), the steps and every decision with its opinion, on a self-contained page
 * (the imprint as a data URL) that api/services/approval-forms.ts renders to PDF and audits. Whoever may read the
 * process may print it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import Handlebars from 'handlebars';
import { shanghaiDateTime } from '../../domain/format';
import type { AppContext } from '../context';
import { Principal, requestMeta } from '../principal';
import { printApprovalForm } from '../services/approval-forms';
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
      const pdf = await printApprovalForm(
        ctx,
        principal,
        { processKey: String(req.params.id), caseNumber, html },
        requestMeta(req),
      );
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
