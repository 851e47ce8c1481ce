/** The OpenAPI description of licence verification (LM-19), spread into api/openapi.ts. */
import { z } from 'zod';
import {
  CHECK_IDS,
  INDICATIONS,
  SUB_INDICATION_EXPLANATIONS,
  SUB_INDICATIONS,
} from '../domain/licence-verification';
import { LICENCE_STATUSES } from '../domain/licence';
import { VerifyBody } from './services/verification';
import { json, ref } from './openapi-parts';

export const VERIFY_SCHEMAS = {
  VerifyBody: {
    ...z.toJSONSchema(VerifyBody, { target: 'openapi-3.0' }),
    description:
      'Exactly one of: identifier (证照标识, GB/T 36904), or document (a licence as GET /api/licenses/{identifier}/export gives it)',
  },
  VerificationReport: {
    type: 'object',
    description:
      'Modelled on EU DSS: the indication and sub-indication decide; checks explain; licence is the current state, reported separately (it never changes the indication)',
    properties: {
      indication: { type: 'string', enum: [...INDICATIONS] },
      subIndication: {
        type: ['string', 'null'],
        enum: [...SUB_INDICATIONS, null],
        description: Object.entries(SUB_INDICATION_EXPLANATIONS)
          .map(([k, v]) => `${k}: ${v}`)
          .join(' '),
      },
      indicationLabel: { type: 'string', example: '核验通过' },
      explanation: { type: ['string', 'null'] },
      input: { type: 'string', enum: ['identifier', 'document'] },
      identifier: { type: ['string', 'null'] },
      checks: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string', enum: [...CHECK_IDS] },
            label: { type: 'string' },
            passed: {
              type: ['boolean', 'null'],
              description: 'null: not performed (offline, or not applicable)',
            },
            detail: { type: 'string' },
          },
        },
      },
      signature: {
        type: ['object', 'null'],
        properties: {
          sealName: { type: 'string' },
          esId: { type: 'string' },
          signingTime: { type: 'string', format: 'date-time' },
          signerOrganisation: { type: ['string', 'null'] },
        },
      },
      licence: {
        type: ['object', 'null'],
        description: 'The licence as the platform holds it, masked; null when the platform does not know it',
        properties: {
          identifier: { type: 'string' },
          name: { type: 'string' },
          typeCode: { type: 'string' },
          version: { type: 'integer' },
          issuerName: { type: 'string' },
          holderName: { type: 'string', description: 'Masked for natural persons' },
          issueDate: { type: 'string' },
          validFrom: { type: 'string' },
          validTo: { type: ['string', 'null'] },
          state: { type: 'string', enum: [...LICENCE_STATUSES] },
          stateLabel: { type: 'string' },
          latestIdentifier: { type: 'string' },
          latestVersion: { type: 'integer' },
          isLatest: { type: 'boolean' },
          masked: { type: 'boolean' },
        },
      },
      verifiedAt: { type: 'string', format: 'date-time' },
      lifecycle: {
        type: ['object', 'null'],
        description:
          'Issue 12: the licence’s status at signing, now, and at the moment asked (at); null when the platform does not know the licence',
        properties: {
          atSigning: ref('LicenceStatusAt'),
          now: ref('LicenceStatusAt'),
          at: { oneOf: [{ type: 'null' }, ref('LicenceStatusAt')] },
        },
      },
      responsibleUnit: {
        type: ['object', 'null'],
        description:
          'Issue 15: the unit now responsible for the licence: its issuer, or the unit that took the issuer over in a reorganisation (reorganised: true); null when the platform does not know the licence',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          reorganised: { type: 'boolean' },
        },
      },
    },
  },
};

export const VERIFY_PATHS = {
  '/api/verify': {
    post: {
      summary:
        'Verify a licence (public, no login): by identifier (the platform’s stored document) or an exported document. The public page for a person is /verify/{identifier}',
      security: [],
      requestBody: { required: true, content: json(ref('VerifyBody')) },
      responses: {
        '200': {
          description: 'The report, whatever the indication (PASSED, FAILED or INDETERMINATE)',
          content: json(ref('VerificationReport')),
        },
        '400': {
          description: 'Neither { identifier } nor { document }: the details name the field',
          content: json(ref('Error')),
        },
      },
    },
  },
};
