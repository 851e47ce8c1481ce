/**
 * The column mapping of a conversion (LM-27), validated at the edge. Kept apart from domain/licence-conversion.ts so
 * that the workflow bundle, which Temporal evaluates for every new workflow, builds no zod schema (issue 19).
 */
import { z } from 'zod';

/** A mapping: target (a field above or `data.<key>`) → the file's column name. */
export const ConversionMapping = z.record(
  z.string().regex(/^(licenceNumber|holderName|holderCode|issueDate|validFrom|validTo|data\.[A-Za-z]\w*)$/, {
    message: '应为证照字段或 data.<数据项>',
  }),
  z.string().trim().min(1).max(200),
);
export type ConversionMapping = z.infer<typeof ConversionMapping>;
