/**
 * Service items (政务服务事项, issue 16 Build 7, WP-(一)1, LM-15): the licences a service item needs and, for each,
 * whether paper is still asked for. Pure: the rule's labels and explanations, and the code's shape.
 */
import { z } from 'zod';

/** exempt: the unit fetches the licence by sharing; electronic: the electronic licence is accepted; paper: not yet. */
export const SUBMISSIONS = ['exempt', 'electronic', 'paper'] as const;
export type Submission = (typeof SUBMISSIONS)[number];

export const SUBMISSION_LABELS: Record<Submission, string> = {
  exempt: '免提交',
  electronic: '可用电子证照',
  paper: '需纸质',
};

/** The sentence a citizen reads under the label. */
export const SUBMISSION_EXPLANATIONS: Record<Submission, string> = {
  exempt: '办事时无需提交，由办理部门通过电子证照共享获取',
  electronic: '可出示电子证照（亮证）或提交电子证照文件，无需纸质原件',
  paper: '该证照尚未实现电子化应用，仍需提交纸质原件',
};

/** A service item's code as the catalogue gives it (e.g. 000172008000): digits and capital letters, 6 to 40. */
export const SERVICE_ITEM_CODE = /^[0-9A-Z]{6,40}$/;
export const ServiceItemCode = z
  .string()
  .trim()
  .regex(SERVICE_ITEM_CODE, { message: '应为事项编码（数字或大写字母）' });
