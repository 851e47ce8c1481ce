/**
 * What is being approved, as the approval page and the printed 审批单 show it (issue 17 Build 4): the application's
 * fields in words, the seal imprint, and every attachment that came with the process (with links). A seal
 * application's and a seal-use request's material are read from their records; other kinds show their title and a
 * link to their own page.
 */
import type { Principal } from '../principal';
import { ApiError } from '../errors';
import type { ApprovalView } from '../services/approvals';
import type { SealApplicationService } from '../services/seal-applications';
import type { SealUseService } from '../services/seal-use';
import { SEAL_KIND_LABELS, SealKind } from '../../domain/seal';
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

/** The services the material is read from. */
export interface MaterialSources {
  sealApplications: SealApplicationService;
  sealUse: SealUseService;
}

/** A seal-use request's fields in words: the seal, the documents, how often and when, why. */
async function sealUseFields(sealUse: SealUseService, principal: Principal, id: string) {
  const r = await sealUse.view(principal, id);
  return [
    { label: '申请单位', value: r.organisationName },
    {
      label: '使用印章',
      value: `${r.sealName}（${SEAL_KIND_LABELS[r.sealKind as SealKind] ?? '电子印章'}）`,
    },
    { label: '用印文件', value: r.documents.map((d) => d.title).join('；') },
    { label: '用印次数', value: `至多 ${r.maxUses} 次` },
    { label: '用印期限', value: `${shanghaiDateTime(r.validFrom)} 至 ${shanghaiDateTime(r.validTo)}` },
    { label: '申请事由', value: r.reason },
    { label: '申请人', value: r.applicant.displayName },
    { label: '提交时间', value: shanghaiDateTime(r.createdAt) },
  ];
}

export async function approvalMaterial(
  sources: MaterialSources,
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
  try {
    if (view.kind === 'seal_use') {
      return { ...generic, fields: await sealUseFields(sources.sealUse, principal, view.processId) };
    }
    if (view.kind !== 'seal_application') return generic;
    const m = await sources.sealApplications.material(principal, view.processId);
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
    // Someone who may follow the process (a supervisor) but not open the request sees its title only.
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return generic;
    throw err;
  }
}
