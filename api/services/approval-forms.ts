/**
 * The printed 审批单 of an approval process (issue 17 Build 4): its page rendered to PDF by the platform's one
 * chromium renderer (infra/pdf.ts), each print audited. The page itself is the web layer's
 * (api/web/approval-print.ts), built from what the caller may read.
 */
import { recordAudit } from '../../db/audit';
import { PdfRendererBusy, renderPdf } from '../../infra/pdf';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';

export async function printApprovalForm(
  ctx: AppContext,
  principal: Principal,
  form: { processKey: string; caseNumber: string | null; html: string },
  meta: RequestMeta,
): Promise<Buffer> {
  let pdf: Buffer;
  try {
    pdf = await renderPdf(form.html);
  } catch (err) {
    if (err instanceof PdfRendererBusy) throw new ApiError('UNAVAILABLE', 'PDF 生成繁忙，请稍后再试');
    throw err;
  }
  await recordAudit(ctx.em(), {
    actor: actorOf(principal),
    action: 'approval.printed',
    targetType: 'approval_process',
    targetId: form.processKey,
    outcome: 'success',
    details: { caseNumber: form.caseNumber },
    requestId: meta.requestId,
    ip: meta.ip,
  });
  return pdf;
}
