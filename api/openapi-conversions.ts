/** Issue 19 (LM-10, WP-(二)2): the OpenAPI description of legacy conversion and its completion report. */
import { error, idParam, json, list, ref, schema, secured } from './openapi-parts';
import { ConversionEstimateBody } from './services/conversion-completion';
import { ConversionMappingBody, ConversionStartBody } from './services/licence-conversion';

const problem = {
  type: 'object',
  properties: {
    rowNumber: { type: 'integer' },
    field: { type: 'string' },
    rule: { type: 'string' },
    message: { type: 'string' },
  },
};

export const CONVERSION_SCHEMAS = {
  ConversionMappingBody: schema(ConversionMappingBody),
  ConversionStartBody: schema(ConversionStartBody),
  ConversionEstimateBody: schema(ConversionEstimateBody),
  ConversionJob: {
    type: 'object',
    description: 'A legacy conversion job: the file, the mapping, the preview and the progress',
    properties: {
      id: { type: 'string' },
      status: { type: 'string', enum: ['uploaded', 'checked', 'running', 'completed', 'failed'] },
      licenceType: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
      fileName: { type: 'string' },
      format: { type: 'string', enum: ['csv', 'xlsx', 'ndjson'] },
      fileSha256: { type: ['string', 'null'], description: 'SHA-256 of the uploaded file, hex' },
      fileBytes: { type: ['integer', 'null'] },
      columns: { type: 'array', items: { type: 'string' } },
      targets: { type: 'array', items: { type: 'object' } },
      mapping: { type: 'object', additionalProperties: { type: 'string' } },
      totalRows: { type: 'integer' },
      invalidRows: { type: ['integer', 'null'] },
      authorisationDocumentTitle: { type: 'string' },
      preview: { type: 'array', items: { type: 'object' } },
      rejectedRows: { type: 'array', items: problem },
      progress: {
        type: 'object',
        properties: {
          totalRows: { type: 'integer' },
          doneRows: { type: 'integer' },
          converted: { type: 'integer' },
          alreadyConverted: { type: 'integer' },
          rejected: { type: 'integer' },
          percent: { type: 'integer' },
          ratePerSecond: { type: ['number', 'null'] },
          secondsLeft: { type: ['integer', 'null'] },
          durationSeconds: { type: ['number', 'null'] },
        },
      },
      failureReason: { type: ['string', 'null'] },
    },
  },
};

const job = (description: string) => ({ description, content: json(ref('ConversionJob')) });

export const CONVERSION_PATHS = {
  '/api/conversions': {
    get: {
      summary: "LM-10: the unit's legacy conversion jobs, newest first",
      security: secured,
      responses: {
        '200': { description: '{items}', content: list({ type: 'object' }) },
        '403': error('Not licence staff of an issuing unit'),
      },
    },
    post: {
      summary: 'LM-10: upload a CSV or .xlsx file of legacy licences of one type (staged, not converted)',
      security: secured,
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['licenceType', 'file'],
              properties: {
                licenceType: {
                  type: 'string',
                  description: '21-character type code; sent before the file, which is read as it arrives',
                },
                file: {
                  type: 'string',
                  format: 'binary',
                  description: 'CSV (UTF-8) or .xlsx, header row first',
                },
              },
            },
          },
        },
      },
      responses: {
        '201': job('The job, with the suggested mapping'),
        '400': error('Wrong file type, an empty file, a bad header or an unknown licence type'),
        '403': error('Not licence staff, or the unit does not issue this type'),
        '413': error('The file is larger than CONVERSION_MAX_BYTES'),
      },
    },
  },
  '/api/conversions/ndjson': {
    post: {
      summary: 'LM-10: stream legacy licences of one type as NDJSON (one object of column → value a line)',
      security: secured,
      parameters: [{ name: 'licenceType', in: 'query', required: true, schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: {
          'application/x-ndjson': { schema: { type: 'string' } },
          'text/plain': { schema: { type: 'string' } },
        },
      },
      responses: {
        '201': job('The job, with the suggested mapping'),
        '400': error('Not NDJSON, an empty stream or an unknown licence type'),
        '403': error('Not licence staff, or the unit does not issue this type'),
        '413': error('The stream is larger than CONVERSION_MAX_BYTES'),
      },
    },
  },
  '/api/conversions/{id}': {
    get: {
      summary: 'LM-10: a conversion job with its preview and live progress',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': job('The job'),
        '403': error("Another unit's job, or not licence staff"),
        '404': error('No such job'),
      },
    },
  },
  '/api/conversions/{id}/mapping': {
    put: {
      summary: "LM-10: map the file's columns to the type's fields; every row is checked (the preview)",
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('ConversionMappingBody')) },
      responses: {
        '200': job('The job with every bad row and its reasons'),
        '400': error('A target the type lacks, a column the file lacks, or a required field unmapped'),
        '403': error("Another unit's job, or not licence staff"),
        '404': error('No such job'),
        '409': error('The conversion has started or ended'),
      },
    },
  },
  '/api/conversions/{id}/start': {
    post: {
      summary: 'LM-10, SM-12: start converting the good rows under one approved seal-use authorisation',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: false, content: json(ref('ConversionStartBody')) },
      responses: {
        '202': job('Started (or already running)'),
        '403': error("Another unit's job, or not licence staff"),
        '404': error('No such job'),
        '409': error('Not yet mapped, already ended, or no authorisation with enough uses'),
        '503': error('Temporal unavailable'),
      },
    },
  },
  '/api/conversions/{id}/rejected.csv': {
    get: {
      summary: 'LM-10: the rows that failed the checks, with their reasons, as CSV to fix and upload again',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': {
          description: 'CSV (UTF-8 with BOM)',
          content: { 'text/csv': { schema: { type: 'string' } } },
        },
        '403': error("Another unit's job, or not licence staff"),
        '404': error('No such job'),
      },
    },
  },
  '/api/conversion/estimates': {
    put: {
      summary: "WP-(二)2: an issuing unit's estimate of its legacy stock of one type",
      security: secured,
      requestBody: { required: true, content: json(ref('ConversionEstimateBody')) },
      responses: {
        '200': {
          description: 'Saved',
          content: json({
            type: 'object',
            properties: { licenceType: { type: 'string' }, estimatedStock: { type: 'integer' } },
          }),
        },
        '403': error('Not licence staff, or the unit does not issue this type'),
      },
    },
  },
  '/api/conversion/completion': {
    get: {
      summary:
        'WP-(二)2: per unit and type of the jurisdiction, estimated stock, converted and remaining share, high-frequency types first (management unit)',
      security: secured,
      responses: {
        '200': {
          description: '{items}',
          content: list({
            type: 'object',
            properties: {
              organisationId: { type: 'string' },
              organisationName: { type: 'string' },
              typeCode: { type: 'string' },
              typeName: { type: 'string' },
              issuedLastYear: { type: 'integer' },
              estimatedStock: { type: ['integer', 'null'] },
              converted: { type: 'integer' },
              remainingShare: { type: ['number', 'null'] },
            },
          }),
        },
        '403': error('Not a supervisor or platform admin of a management unit'),
      },
    },
  },
};
