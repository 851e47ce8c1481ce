/**
 * Organisations and people on the pages (zh-CN, issue 15 Build 6): the organisation tree `/organisations`, a unit's
 * page `/organisations/<id>` (its record and history, people and roles, seals, designated person; the forms to edit
 * or close it and to add a person), and a person's page `/people/<id>` (roles, history; edit, move, deactivate).
 * The rules are OrganisationRegistryService's and PeopleService's, shared with the JSON API.
 */
import { Router } from 'express';
import { FUNCTION_LABELS, ORGANISATION_FUNCTIONS, ROLE_LABELS, USER_ROLES } from '../../domain/roles';
import { ROLE_REQUIRES } from '../../domain/organisation-registry';
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import { requestMeta } from '../principal';
import type { DesignatedStaffService } from '../services/designated-staff';
import type { OrganisationRegistryService } from '../services/organisation-registry';
import type { PeopleService } from '../services/people';
import type { ReorganisationService } from '../services/reorganisations';
import type { SealService } from '../services/seals';
import type { SealCustodianService } from '../services/seal-custodians';
import { FormBody, formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

export interface OrganisationPageServices {
  registry: OrganisationRegistryService;
  people: PeopleService;
  designated: DesignatedStaffService;
  seals: SealService;
  sealCustodians: SealCustodianService;
  reorganisations: ReorganisationService;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const text = (v: string | string[] | undefined) =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

const functionOptions = (chosen: readonly string[] = []) =>
  ORGANISATION_FUNCTIONS.map((f) => ({ value: f, label: FUNCTION_LABELS[f], checked: chosen.includes(f) }));
const roleOptions = (chosen: readonly string[] = []) =>
  USER_ROLES.filter((r) => r !== 'licence_holder').map((r) => ({
    value: r,
    label: ROLE_LABELS[r],
    checked: chosen.includes(r),
    needs: (ROLE_REQUIRES[r] ?? []).map((f) => FUNCTION_LABELS[f]).join('或'),
  }));
const labelled = (o: { functions: readonly string[] }) => ({
  ...o,
  functionLabels: o.functions.map((f) => FUNCTION_LABELS[f as keyof typeof FUNCTION_LABELS] ?? f).join('、'),
});

const isAdmin = (p: Principal) => p.roles.includes('platform_admin');
const unitPage = (id: string) => `/organisations/${encodeURIComponent(id)}`;
const personPage = (id: string) => `/people/${encodeURIComponent(id)}`;

export function organisationPageRoutes(ctx: AppContext, s: OrganisationPageServices): Router {
  const { router, auth, form } = pageRouter(ctx);

  router.get(
    '/organisations',
    auth,
    signedIn(async (req, res, principal) => {
      const tree = await s.registry.tree(principal);
      const jurisdictions = tree.jurisdictions.map((j) => ({ ...j, units: j.units.map(labelled) }));
      res.send(
        renderPage('organisations', {
          title: '机构与人员',
          nav: 'organisations',
          principal,
          jurisdictions,
          canCreate: isAdmin(principal),
          functionOptions: functionOptions(),
        }),
      );
    }),
  );

  router.post(
    '/organisations',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const unit = await s.registry.create(
        principal,
        { name: b.name, uscc: b.uscc, jurisdictionId: b.jurisdictionId, functions: list(b.functions) },
        requestMeta(req),
      );
      return unitPage(unit.id);
    }),
  );

  router.get(
    '/organisations/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const id = String(req.params.id);
      const unit = await s.registry.get(principal, id);
      const [people, designated, seals, custody] = await Promise.all([
        s.people.list(principal, id),
        s.designated.get(principal, id).catch(() => null),
        s.seals.sealsOfUnit(principal, id),
        s.sealCustodians.ofUnit(principal, id),
      ]);
      res.send(
        renderPage('organisation', {
          title: unit.name,
          nav: 'organisations',
          principal,
          unit: labelled(unit),
          history: unit.history.map(labelled),
          people: people.items,
          designated,
          // Issue 15 Build 5 (SM-14): each seal with its custodian and deputy, and the unit's change requests.
          seals: seals.map((seal) => ({ ...seal, ...custody.keepers.get(seal.id) })),
          custodianChanges: custody.history,
          canEdit: isAdmin(principal) && !unit.closed,
          functionOptions: functionOptions(unit.functions),
          roleOptions: roleOptions(),
        }),
      );
    }),
  );

  // Build 4: the reorganisation wizard. The unit is chosen on its page; then the new name and USCC, the preview of
  // what moves, the confirmation; the progress page follows the workflow.
  router.get(
    '/organisations/:id/reorganise',
    auth,
    signedIn(async (req, res, principal) => {
      const id = String(req.params.id);
      const preview = await s.reorganisations.preview(principal, id);
      const q = req.query as FormBody;
      const entered = { name: text(q.name), uscc: text(q.uscc), reason: text(q.reason) };
      const ready = !!(entered.name && entered.uscc && entered.reason);
      res.send(
        renderPage('reorganise', {
          title: `机构改革：${preview.organisation.name}`,
          nav: 'organisations',
          principal,
          preview,
          entered,
          step: ready ? 3 : 2,
          ready,
        }),
      );
    }),
  );

  router.post(
    '/organisations/:id/reorganise',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const started = await s.reorganisations.start(
        principal,
        { organisationId: String(req.params.id), name: b.name, uscc: b.uscc, reason: b.reason },
        requestMeta(req),
      );
      return `/reorganisations/${encodeURIComponent(started.id)}`;
    }),
  );

  router.get(
    '/reorganisations/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const r = await s.reorganisations.get(principal, String(req.params.id));
      const summary = r.summary as {
        sealsCancelled?: number;
        licenceTypes?: string[];
        processesMoved?: number;
      };
      res.send(
        renderPage('reorganisation', {
          title: `机构改革：${r.predecessor.name}`,
          nav: 'organisations',
          principal,
          r,
          running: r.status === 'running',
          sealsCancelled: summary?.sealsCancelled ?? 0,
          typesMoved: summary?.licenceTypes?.length ?? 0,
          processesMoved: summary?.processesMoved ?? 0,
        }),
      );
    }),
  );

  router.post(
    '/organisations/:id/edit',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const id = String(req.params.id);
      await s.registry.update(
        principal,
        id,
        {
          name: text(b.name),
          uscc: text(b.uscc),
          functions: list(b.functions),
          effectiveFrom: text(b.effectiveFrom),
          reason: text(b.reason),
        },
        requestMeta(req),
      );
      return unitPage(id);
    }),
  );

  router.post(
    '/organisations/:id/close',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const id = String(req.params.id);
      await s.registry.close(
        principal,
        id,
        { reason: text(b.reason) ?? '', effectiveFrom: text(b.effectiveFrom) },
        requestMeta(req),
      );
      return unitPage(id);
    }),
  );

  router.post(
    '/organisations/:id/people',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const person = await s.people.create(
        principal,
        String(req.params.id),
        {
          username: text(b.username) ?? '',
          displayName: text(b.displayName) ?? '',
          email: text(b.email) ?? null,
          oidcSubject: text(b.oidcSubject) ?? '',
          roles: list(b.roles),
        },
        requestMeta(req),
      );
      return personPage(person.id);
    }),
  );

  router.get(
    '/people/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const person = await s.people.get(principal, String(req.params.id));
      const units = isAdmin(principal) ? await reachableUnits(s, principal, person.organisationId) : [];
      res.send(
        renderPage('person', {
          title: person.displayName,
          nav: 'organisations',
          principal,
          person,
          units,
          canEdit: isAdmin(principal) && person.active,
          roleOptions: roleOptions(person.roles),
        }),
      );
    }),
  );

  router.post(
    '/people/:id/edit',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const id = String(req.params.id);
      await s.people.update(
        principal,
        id,
        { organisationId: text(b.organisationId), roles: list(b.roles), reason: text(b.reason) },
        requestMeta(req),
      );
      return personPage(id);
    }),
  );

  router.post(
    '/people/:id/deactivate',
    auth,
    form,
    formAction(async (req, principal, b) => {
      const id = String(req.params.id);
      await s.people.deactivate(principal, id, { reason: text(b.reason) ?? '' }, requestMeta(req));
      return personPage(id);
    }),
  );

  return router;
}

/** The open units an administrator may move a person to: those of their tree, or their own unit. */
async function reachableUnits(s: OrganisationPageServices, principal: Principal, current: string) {
  if (!principal.organisationFunctions.includes('management_unit')) return [];
  const tree = await s.registry.tree(principal);
  return tree.jurisdictions.flatMap((j) =>
    j.units
      .filter((u) => !u.closed)
      .map((u) => ({ id: u.id, label: `${j.name} · ${u.name}`, selected: u.id === current })),
  );
}
