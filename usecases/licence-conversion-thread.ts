/**
 * Issue 19 (LM-10, Build 1): the body of one signing thread (usecases/conversion-signing-pool.ts). It receives a
 * slice of a conversion batch and answers with its COPY lines (usecases/licence-conversion-signing.ts) as UTF-8
 * bytes, moved to the caller rather than copied, or with the error's message; it holds nothing between messages.
 */
import { parentPort } from 'node:worker_threads';
import { ConversionSigningInput, encodedRows, signConvertedRows } from './licence-conversion-signing';

parentPort?.on('message', (input: ConversionSigningInput) => {
  try {
    const result = encodedRows(signConvertedRows(input));
    const { signatures, licences, outbox } = result;
    parentPort!.postMessage({ ok: true, result }, [signatures.buffer, licences.buffer, outbox.buffer]);
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
