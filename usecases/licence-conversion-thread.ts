/**
 * Issue 19 (LM-10, Build 1): the body of one signing thread (usecases/conversion-signing-pool.ts). It receives a
 * slice of a conversion batch and answers with its COPY lines (usecases/licence-conversion-signing.ts), or with
 * the error's message; it holds nothing between messages.
 */
import { parentPort } from 'node:worker_threads';
import { ConversionSigningInput, signConvertedRows } from './licence-conversion-signing';

parentPort?.on('message', (input: ConversionSigningInput) => {
  try {
    parentPort!.postMessage({ ok: true, result: signConvertedRows(input) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
