/**
 * Random check pages (zh-CN, issue 14 Build 3, LM-28): `/supervision/samples` lists the samples of the management
 * unit's jurisdiction with a form that draws a new one; `/supervision/samples/<id>` shows each sampled licence's
 * checklist (not yet checked, or the four items, the verifier's indication, the remark and the findings raised) with
 * a form that records the check. Every form goes through RandomSampleService / RandomCheckService, the services of
 * the JSON API; a refused form comes back on its page with the problems in Chinese and nothing written.
 */
import { Router } from 'express';
import { INDICATION_LABELS, Indication } from '../../domain/licence-verification';
import type { AppContext } from '../context';
import { ApiError, FieldProblem, toApiError } from '../errors';
import { Principal, requestMeta } from '../principal';
import type { RandomCheckService } from '../services/random-checks';
import type { RandomSampleService } from '../services/random-samples';
import type { SupervisionFindingService } from '../services/supervision-findings';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

type Body = Record<string, string | string[] | undefined>;
type Sample = Awaited<ReturnType<RandomSampleService['view']>>;

const FLASH: Record<string, string> = {
  drawn: '已抽取样本，请逐一核查样本中的证照',
  checked: '已记录核查结果',
};

const text = (raw: Body, key: string) => (typeof raw[key] === 'string' ? (raw[key] as string).trim() : '');

/** A yes / no radio as the service's boolean; anything else is left out, so the service names the field. */
function yesNo(raw: Body, key: string): boolean | undefined {
  const v = text(raw, key);
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** The check form as RandomCheckService's body. */
function checkBody(raw: Body) {
  const remark = text(raw, 'remark');
  return {
    licenceIdentifier: text(raw, 'licenceIdentifier'),
    dataComplete: yesNo(raw, 'dataComplete'),
    faceReadable: yesNo(raw, 'faceReadable'),
    ...(remark ? { remark } : {}),
  };
}

/** What to fill in, by field, where the generic message of a rule would name a type rather than the form's field. */
const FIELD_HINTS: Record<string, string> = {
  organisationId: '请选择被抽查单位',
  size: '抽取份数应为 1 至 100 的整数',
  licenceIdentifier: '请选择要核查的证照',
  dataComplete: '请选择数据是否完整',
  faceReadable: '请选择照面是否清晰可读',
  remark: '备注不能超过 2000 字',
};

/**
 * A refused form's problems in plain Chinese (a message of the service's own rules as it is, a generic one by its
 * field's hint), or null when the error is not a refusal of the form.
 */
function refusal(err: unknown): string[] | null {
  const apiError = toApiError(err);
  if (apiError.code === 'CONFLICT') return [apiError.message];
  if (apiError.code !== 'VALIDATION_FAILED') return null;
  const problems = (apiError.details as FieldProblem[]) ?? [];
  return [
    ...new Set(
      problems.map((p) => (/[A-Za-z]/.test(p.message) ? (FIELD_HINTS[p.field] ?? '填写有误') : p.message)),
    ),
  ];
}

const itemText = (v: boolean | null, yes: string, no: string) => (v === null ? '不适用' : v ? yes : no);

/** A sample as its page shows it: each licence's checklist in words. */
function sampleView(s: Sample, form: { identifier?: string; values?: Body; errors?: string[] }) {
  return {
    ...s,
    licences: s.licences.map((l, i) => ({
      ...l,
      number: i + 1,
      formOpen: form.identifier === l.identifier,
      errors: form.identifier === l.identifier ? form.errors : undefined,
      values: form.identifier === l.identifier ? form.values : undefined,
      check: l.check && {
        ...l.check,
        verifiesText: `${itemText(l.check.verifies, '通过', '未通过')}（${
          INDICATION_LABELS[l.check.verifyIndication as Indication] ?? '无法确定'
        }）`,
        dataCompleteText: itemText(l.check.dataComplete, '完整', '不完整'),
        faceReadableText: itemText(l.check.faceReadable, '清晰可读', '无法辨认'),
        pushedText: itemText(l.check.pushed, '已推送', '未推送'),
      },
    })),
  };
}

export function randomCheckPageRoutes(
  ctx: AppContext,
  findings: SupervisionFindingService,
  samples: RandomSampleService,
  checks: RandomCheckService,
): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '64kb' });

  async function renderList(principal: Principal, flash: string | undefined, errors: string[] = []) {
    const [items, units] = await Promise.all([
      samples.list(principal),
      findings.jurisdictionUnits(principal),
    ]);
    return renderPage('random-samples', {
      title: '随机抽查',
      principal,
      nav: 'samples',
      flash: flash && FLASH[flash] ? { kind: 'success', text: FLASH[flash] } : undefined,
      items,
      units: [...units.values()].map((u) => ({ id: u.id, name: u.name })),
      errors,
    });
  }

  router.get(
    '/supervision/samples',
    auth,
    signedIn(async (req, res, principal) => {
      res.send(await renderList(principal, String(req.query.flash ?? '')));
    }),
  );

  router.post(
    '/supervision/samples',
    form,
    auth,
    signedIn(async (req, res, principal) => {
      const raw = (req.body ?? {}) as Body;
      const size = text(raw, 'size');
      const body = {
        organisationId: text(raw, 'organisationId'),
        size: /^\d+$/.test(size) ? Number(size) : size,
      };
      try {
        const sample = await samples.draw(principal, body, requestMeta(req));
        res.redirect(303, `/supervision/samples/${encodeURIComponent(sample.id)}?flash=drawn`);
      } catch (err) {
        const errors = refusal(err);
        if (!errors) throw err;
        res.status(400).send(await renderList(principal, undefined, errors));
      }
    }),
  );

  async function renderSample(
    principal: Principal,
    id: string,
    flash: string | undefined,
    form: { identifier?: string; values?: Body; errors?: string[] } = {},
  ) {
    const sample = sampleView(await samples.view(principal, id), form);
    const beside = sample.licences.some((l) => l.formOpen && !l.check);
    return renderPage('random-sample', {
      title: `随机抽查：${sample.unitName}`,
      principal,
      nav: 'samples',
      flash: flash && FLASH[flash] ? { kind: 'success', text: FLASH[flash] } : undefined,
      sample,
      // Problems beside the licence's form; at the top when the licence has no form (checked, or not sampled).
      errors: beside ? [] : (form.errors ?? []),
    });
  }

  router.get(
    '/supervision/samples/:id',
    auth,
    signedIn(async (req, res, principal) => {
      res.send(await renderSample(principal, String(req.params.id), String(req.query.flash ?? '')));
    }),
  );

  router.post(
    '/supervision/samples/:id/checks',
    form,
    auth,
    signedIn(async (req, res, principal) => {
      const id = String(req.params.id);
      const raw = (req.body ?? {}) as Body;
      try {
        await checks.record(principal, id, checkBody(raw), requestMeta(req));
      } catch (err) {
        const errors = refusal(err);
        if (!errors) throw err;
        const status = (err as ApiError).status;
        const identifier = text(raw, 'licenceIdentifier');
        res
          .status(status)
          .send(await renderSample(principal, id, undefined, { identifier, values: raw, errors }));
        return;
      }
      const anchor = `licence-${encodeURIComponent(text(raw, 'licenceIdentifier'))}`;
      res.redirect(303, `/supervision/samples/${encodeURIComponent(id)}?flash=checked#${anchor}`);
    }),
  );

  return router;
}
