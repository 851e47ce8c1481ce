/**
 * What is being approved, as the approval page and the printed 审批单 show it (issue 17 Build 4): the application's
 * fields in words, the seal imprint, and every attachment that came with the process (with links). A seal
 * application's material is read from its record; other kinds show their title and a link to their own page.
 */
import type { Principal } from '../principal';
import { ApiError } from '../errors';
import type { ApprovalView } from '../services/approvals';
import type { SealApplicationService } from '../services/seal-applications';
import { shanghaiDateTime } from '../../domain/format';

export interface ApprovalMaterial {
  fields: Array<{ label: string; value: string }>;
  /** The imprint applied for; `dataUrl` only when asked for (the PDF is rendered offline). */
  imprint: { url: string; dataUrl: string | null; widthMm: number; heightMm: number } | null;
  attachments: Array<{ fileName: string; url: string; sizeText: string; note: string }>;
  detailPath: string;
}

export function sizeText(size: number): string {
  return size >= 1024 * 1024 ? `${(size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(size / 1024)} KB`;
}

/** Attachments of the process's events, oldest first, each noted with the event it came with and its time. */
function attachmentsOf(view: ApprovalView): ApprovalMaterial['attachments'] {
  return view.history.flatMap((e) =>
    e.attachments.map((a) => ({
      fileName: a.fileName,
      url: `/api/attachments/${encodeURIComponent(a.id)}`,
      sizeText: sizeText(a.size),
      note: `${e.label}${e.actor ? ` · ${e.actor.displayName}` : ''} · ${shanghaiDateTime(e.at)}`,
    })),
  );
}

export async function approvalMaterial(
  sealApplications: SealApplicationService,
  principal: Principal,
  view: ApprovalView,
  options: { inlineImprint?: boolean } = {},
): Promise<ApprovalMaterial> {
  const base = { attachments: attachmentsOf(view), detailPath: view.detailPath };
  const submitted = view.history.find((e) => e.action === 'submitted');
  const generic: ApprovalMaterial = {
    ...base,
    fields: [
      { label: '申请事项', value: view.title },
      ...(submitted ? [{ label: '提交时间', value: shanghaiDateTime(submitted.at) }] : []),
    ],
    imprint: null,
  };
  if (view.kind !== 'seal_application') return generic;
  try {
    const m = await sealApplications.material(principal, view.processId);
    const { bytes, mediaType, ...imprint } = m.imprint;
    return {
      ...base,
      fields: m.fields,
      imprint: {
        ...imprint,
        dataUrl: options.inlineImprint ? `data:${mediaType};base64,${bytes.toString('base64')}` : null,
      },
    };
  } catch (err) {
    // Someone who may follow the process (a supervisor) but not open the application sees its title only.
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return generic;
    throw err;
  }
}
