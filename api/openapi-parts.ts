/** The small builders every part of the OpenAPI document uses (api/openapi.ts and the openapi-*.ts parts). */
import { z } from 'zod';

/** A zod schema as OpenAPI 3.0 JSON Schema: as callers send it (`input`, for bodies) or as the API answers. */
export const schema = (s: z.ZodType, io: 'input' | 'output' = 'input') =>
  z.toJSONSchema(s, { target: 'openapi-3.0', io });
export const json = (s: object) => ({ 'application/json': { schema: s } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const error = (description: string) => ({ description, content: json(ref('Error')) });
export const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
export const query = (name: string, s: object, description?: string) => ({
  name,
  in: 'query',
  schema: s,
  description,
});
export const secured = [{ bearer: [] }];
export const list = (item: object) =>
  json({ type: 'object', properties: { items: { type: 'array', items: item } } });
