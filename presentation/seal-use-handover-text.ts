/** How an open decision on a leaving person's standing seal-use authorisation reads (zh-CN): inbox, e-mail, page. */

/** Why the person no longer holds it, by the person change's reason. */
export const SEAL_USE_HANDOVER_REASON_TEXT: Record<string, string> = {
  deactivated: '已停用',
  moved: '已调离本单位',
};

export const SEAL_USE_HANDOVER_STATUS_LABELS: Record<string, string> = {
  pending: '待决定',
  kept: '已保留',
  revoked: '已撤销',
};

/** `张丽已停用，其…证照专用章证照签发用印授权待决定保留或撤销`. */
export function sealUseHandoverTitle(leavingName: string, reason: string, sealName: string): string {
  const why = SEAL_USE_HANDOVER_REASON_TEXT[reason] ?? '已离岗';
  return `${leavingName}${why}，其${sealName}证照签发用印授权待决定保留或撤销`;
}
