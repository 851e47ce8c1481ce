/** OpenAPI part for issue 15: organisations and people kept in the platform. */
import {
  OrganisationCloseBody,
  OrganisationCreateBody,
  OrganisationUpdateBody,
} from './services/organisation-registry';
import { PersonCreateBody, PersonDeactivateBody, PersonUpdateBody } from './services/people';
import { ReorganisationBody } from './services/reorganisations';
import { error, idParam, json, ref, schema, secured } from './openapi-parts';

export const ORGANISATION_SCHEMAS = {
  OrganisationCreate: schema(OrganisationCreateBody),
  OrganisationUpdate: schema(OrganisationUpdateBody),
  OrganisationClose: schema(OrganisationCloseBody),
  PersonCreate: schema(PersonCreateBody),
  PersonUpdate: schema(PersonUpdateBody),
  PersonDeactivate: schema(PersonDeactivateBody),
  ReorganisationStart: schema(ReorganisationBody),
};

const object = (description: string) => ({ description, content: json({ type: 'object' }) });
const common = {
  '401': error('Not authenticated'),
  '403': error('Not in the caller’s jurisdiction or role'),
};
const unit = '{id, name, uscc, jurisdictionId, parentId, functions, closed, history}';
const person = '{id, username, displayName, organisationId, roles, active, history}';

export const ORGANISATION_PATHS = {
  '/api/organisation-tree': {
    get: {
      summary: 'Issue 15: the caller’s jurisdiction and those below it, each with its units',
      security: secured,
      responses: {
        '200': object('{rootId, jurisdictions: [{id, name, level, parentId, units}]}'),
        ...common,
      },
    },
  },
  '/api/organisations': {
    post: {
      summary: 'Issue 15 (LM-5): a management unit’s administrator creates a unit inside its jurisdiction',
      security: secured,
      requestBody: { required: true, content: json(ref('OrganisationCreate')) },
      responses: {
        '201': object(unit),
        '400': error('A field breaks its rule (a USCC with a wrong check character among them)'),
        ...common,
        '409': error('The USCC is another unit’s'),
      },
    },
  },
  '/api/organisations/{id}': {
    get: {
      summary: 'Issue 15: a unit and its versions, each with its effective date',
      security: secured,
      parameters: [idParam('id')],
      responses: { '200': object(unit), ...common, '404': error('No such organisation') },
    },
    patch: {
      summary: 'Issue 15: edit a unit (name, USCC, jurisdiction, parent, functions) from an effective date',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('OrganisationUpdate')) },
      responses: {
        '200': object(unit),
        '400': error('A field breaks its rule'),
        ...common,
        '404': error('No such organisation'),
        '409': error('Closed, a USCC in use, or functions its staff’s roles need'),
      },
    },
  },
  '/api/organisations/{id}/close': {
    post: {
      summary: 'Issue 15: close a unit without active staff or open units under it',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('OrganisationClose')) },
      responses: {
        '200': object(unit),
        '400': error('A field breaks its rule'),
        ...common,
        '404': error('No such organisation'),
        '409': error('Already closed, or staff or units remain'),
      },
    },
  },
  '/api/organisations/{id}/people': {
    get: {
      summary: 'Issue 15: the unit’s people and their roles',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': object('{organisationId, items}'),
        ...common,
        '404': error('No such organisation'),
      },
    },
    post: {
      summary: 'Issue 15: add a person bound to the identity provider’s subject, with roles the unit allows',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('PersonCreate')) },
      responses: {
        '201': object(person),
        '400': error('A field breaks its rule, or a role the unit’s functions do not allow'),
        ...common,
        '409': error('The login name or subject is taken'),
      },
    },
  },
  '/api/people/{id}': {
    get: {
      summary: 'Issue 15: a person and the history of their account',
      security: secured,
      parameters: [idParam('id')],
      responses: { '200': object(person), ...common, '404': error('No such person') },
    },
    patch: {
      summary: 'Issue 15: edit a person’s name, e-mail or roles, or move them to another unit',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('PersonUpdate')) },
      responses: {
        '200': object(person),
        '400': error('A field breaks its rule, or a role the unit’s functions do not allow'),
        ...common,
        '404': error('No such person'),
        '409': error('The person is deactivated'),
      },
    },
  },
  '/api/people/{id}/deactivate': {
    post: {
      summary: 'Issue 15: deactivate a person; their live seal-use authorisations are revoked (SM-12)',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('PersonDeactivate')) },
      responses: {
        '200': object(person),
        '400': error('A field breaks its rule'),
        ...common,
        '404': error('No such person'),
        '409': error('Already deactivated, or the caller’s own account'),
      },
    },
  },
  '/api/organisations/{id}/reorganisation-preview': {
    get: {
      summary:
        'Issue 15 Build 4: what a reorganisation of the unit would move (staff, seals to cancel, licence types, open tasks, licences)',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': object('{organisation, staff, seals, licenceTypes, openTasks, licences}'),
        ...common,
        '404': error('No such organisation'),
        '409': error('The unit is closed'),
      },
    },
  },
  '/api/reorganisations': {
    post: {
      summary:
        'Issue 15 Build 4 (SM-5, SM-15, LM-7): reorganise (rename) a unit into its successor; the workflow reorganisation-{id} carries it out',
      security: secured,
      requestBody: { required: true, content: json(ref('ReorganisationStart')) },
      responses: {
        '202': object('{id, status, predecessor, successor, reason, summary}'),
        '400': error('A field breaks its rule (a USCC with a wrong check character among them)'),
        ...common,
        '404': error('No such organisation'),
        '409': error('The USCC is another unit’s, the unit is closed, or a reorganisation of it is running'),
        '503': error('The workflow service is unavailable; nothing was stored'),
      },
    },
  },
  '/api/reorganisations/{id}': {
    get: {
      summary: 'Issue 15 Build 4: a reorganisation, its progress (running, done) and what moved',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': object('{id, status, predecessor, successor, reason, summary}'),
        ...common,
        '404': error('No such reorganisation'),
      },
    },
  },
};
