/**
 * The backup's reader (usecases/backup.ts, issue 11 backups): lines split across chunks, and characters split
 * across chunks. A restore once wrote 登记 as 登��� when the gunzip chunk ended inside 记, and the audit chain (LM-25)
 * then reported the row as edited.
 */
import { ndjsonLines } from '../../usecases/backup';

async function* chunked(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(from, cut);
    from = cut;
  }
}

const collect = async (lines: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
};

describe('ndjsonLines', () => {
  const text = '{"reason":"平台初始化登记的存量印章"}\n{"n":2}\n\n{"last":"记"}';
  const bytes = Buffer.from(text, 'utf8');

  it('gives the same lines wherever the chunks are cut, inside a character or not', async () => {
    const expected = ['{"reason":"平台初始化登记的存量印章"}', '{"n":2}', '{"last":"记"}'];
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await collect(ndjsonLines(chunked(bytes, [cut])))).toEqual(expected);
    }
    // One byte at a time: every character split over three chunks.
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(await collect(ndjsonLines(chunked(bytes, everyByte)))).toEqual(expected);
  });

  it('never yields a replacement character for well-formed input', async () => {
    const cutInsideJi = text.indexOf('记');
    const at = Buffer.byteLength(text.slice(0, cutInsideJi), 'utf8') + 1;
    const lines = await collect(ndjsonLines(chunked(bytes, [at, at + 1])));
    expect(lines.join('')).not.toContain('\uFFFD');
  });
});
