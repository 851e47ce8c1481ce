/**
 * Issue 19 (LM-10): a conversion file's rows staged in PostgreSQL as they are parsed — one `COPY` into
 * `conversion_row`, fed in chunks of lines while the upload streams in — inside the caller's transaction, so that a
 * file refused half-way (a broken line, too many rows, too large) leaves no row behind. Memory stays one chunk of
 * rows whatever the file's size.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { copyInto, copyLine, transactionConnection } from '../../db/copy';
import type { FileRow } from './conversion-files';

/** Rows per chunk of COPY text handed to PostgreSQL. */
const STAGE_CHUNK = 1000;

/** Stages every row `rows` yields under the job; answers how many. A row that fails to parse fails the COPY. */
export async function stageRows(
  tx: EntityManager,
  jobId: string,
  rows: AsyncIterable<FileRow>,
): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    let chunk = '';
    let inChunk = 0;
    for await (const row of rows) {
      chunk += copyLine([jobId, row.rowNumber, JSON.stringify(row.cells)]);
      count++;
      if (++inChunk === STAGE_CHUNK) {
        yield chunk;
        chunk = '';
        inChunk = 0;
      }
    }
    if (chunk !== '') yield chunk;
  }
  await copyInto(await transactionConnection(tx), 'conversion_row (job_id, row_number, cells)', lines());
  return count;
}
