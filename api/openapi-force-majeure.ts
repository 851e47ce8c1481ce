/**
 * Issue 13 Build 4 (LM-11): the OpenAPI description of force-majeure incidents, spread into api/openapi.ts;
 * request bodies from the validating zod schemas.
 */
import {
  INCIDENT_STATUSES,
  IncidentAcknowledgement,
  IncidentClearance,
  IncidentReport,
} from '../domain/force-majeure';
import { error, idParam, json, list, ref, schema, secured } from './openapi-parts';

export const FORCE_MAJEURE_SCHEMAS = {
  IncidentReport: schema(IncidentReport),
  IncidentClearance: schema(IncidentClearance),
  IncidentAcknowledgement: schema(IncidentAcknowledgement),
  ForceMajeureIncident: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      organisationId: { type: 'string' },
      unitName: { type: 'string' },
      failure: { type: 'string' },
      since: { type: 'string', format: 'date-time' },
      typeCodes: { type: 'array', items: { type: 'string' } },
      measures: { type: 'string' },
      status: { type: 'string', enum: [...INCIDENT_STATUSES] },
      acknowledgedAt: { type: ['string', 'null'], format: 'date-time' },
      clearedAt: { type: ['string', 'null'], format: 'date-time' },
      backlog: { type: 'array', items: { type: 'string' } },
      backlogDeadline: { type: ['object', 'null'] },
      breach: { type: ['object', 'null'] },
    },
  },
};

const decision = (summary: string, body: string, who: string) => ({
  post: {
    summary,
    security: secured,
    parameters: [idParam('id')],
    requestBody: { required: true, content: json(ref(body)) },
    responses: {
      '200': { description: 'The incident after it', content: json(ref('ForceMajeureIncident')) },
      '400': error('Invalid body naming the field'),
      '401': error('Not authenticated'),
      '403': error(who),
      '404': error('No such incident'),
      '409': error('Already done (cleared or acknowledged before), or the incident is over'),
    },
  },
});

export const FORCE_MAJEURE_PATHS = {
  '/api/force-majeure-incidents': {
    get: {
      summary:
        'LM-11: the caller’s unit’s force-majeure incidents, or for a management unit those in its jurisdiction; open first, then least time left',
      security: secured,
      responses: {
        '200': { description: '{items}', content: list(ref('ForceMajeureIncident')) },
        '401': error('Not authenticated'),
      },
    },
    post: {
      summary:
        'LM-11: an issuing unit reports a force-majeure incident (what failed, since when, licence types affected, emergency measures); its late licences of those types are excused while it is open',
      security: secured,
      requestBody: { required: true, content: json(ref('IncidentReport')) },
      responses: {
        '201': { description: 'Reported', content: json(ref('ForceMajeureIncident')) },
        '400': error('Invalid input naming the field: no type, an unknown type, a start in the future'),
        '401': error('Not authenticated'),
        '403': error('Not the leader or licence staff of an issuing unit'),
        '503': error('Temporal unavailable; nothing stored'),
      },
    },
  },
  '/api/force-majeure-incidents/{id}': {
    get: {
      summary: 'One incident with its backlog, backlog deadline and breach',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The incident', content: json(ref('ForceMajeureIncident')) },
        '401': error('Not authenticated'),
        '403': error('Neither the unit nor a management unit over it'),
        '404': error('No such incident'),
      },
    },
  },
  '/api/force-majeure-incidents/{id}/clear': decision(
    'The fault is cleared: the backlog (declared case ids and those the platform knows) is due within 3 working days',
    'IncidentClearance',
    'Not the leader or licence staff of the reporting unit',
  ),
  '/api/force-majeure-incidents/{id}/acknowledge': decision(
    'The management unit acknowledges the report',
    'IncidentAcknowledgement',
    'Not a supervisor or platform admin of a management unit over the unit',
  ),
};
