/**
 * The coalescing of concurrent registry reads (issue 19, db/coalescing-loader.ts), with a fake read: an idle
 * loader reads at once; keys asked while the reads in flight are at their limit go out together in the next read,
 * which starts only after they were asked; every caller gets its own key's value or the read's error.
 */
import { BatchRead, CoalescingLoader } from '../../db/coalescing-loader';

/** A read whose calls are recorded and answered by hand, in any order. */
function manualRead() {
  const calls: Array<{ keys: string[]; answer(): void; fail(error: Error): void }> = [];
  const read: BatchRead<string, string> = (keys) =>
    new Promise((resolve, reject) => {
      calls.push({
        keys,
        answer: () =>
          resolve(new Map(keys.filter((k) => !k.startsWith('unknown')).map((k) => [k, `v:${k}`]))),
        fail: reject,
      });
    });
  return { calls, read };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescingLoader', () => {
  it('reads a key at once, alone, when nothing is in flight', async () => {
    const { calls, read } = manualRead();
    const loader = new CoalescingLoader(read, { maxInFlight: 1, maxBatch: 10 });
    const value = loader.load('a');
    expect(calls.map((c) => c.keys)).toEqual([['a']]);
    calls[0]!.answer();
    await expect(value).resolves.toBe('v:a');
  });

  it('queues keys asked while the reads in flight are at the limit and reads them together after one ends', async () => {
    const { calls, read } = manualRead();
    const loader = new CoalescingLoader(read, { maxInFlight: 2, maxBatch: 10 });
    const first = loader.load('a');
    const second = loader.load('b');
    const waiting = ['c', 'd', 'c', 'unknown-e'].map((k) => loader.load(k));
    // Two in flight; the four waiting ones are not read yet, so their read starts after they were asked.
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b']]);
    calls[1]!.answer();
    await settle();
    // One read for the four callers, each key once.
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b'], ['c', 'd', 'unknown-e']]);
    calls[2]!.answer();
    await expect(Promise.all(waiting)).resolves.toEqual(['v:c', 'v:d', 'v:c', undefined]);
    await expect(second).resolves.toBe('v:b');
    calls[0]!.answer();
    await expect(first).resolves.toBe('v:a');
    expect(calls).toHaveLength(3);
  });

  it('serves at most maxBatch callers per read', async () => {
    const { calls, read } = manualRead();
    const loader = new CoalescingLoader(read, { maxInFlight: 1, maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((k) => loader.load(k));
    calls[0]!.answer();
    await settle();
    calls[1]!.answer();
    await settle();
    calls[2]!.answer();
    await expect(Promise.all(all)).resolves.toEqual(['v:a', 'v:b', 'v:c', 'v:d', 'v:e']);
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('rejects every caller of a failed read, and reads the next keys afresh', async () => {
    const { calls, read } = manualRead();
    const loader = new CoalescingLoader(read, { maxInFlight: 1, maxBatch: 10 });
    const first = loader.load('a');
    const queued = [loader.load('b'), loader.load('c')];
    calls[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    calls[1]!.fail(new Error('statement timeout'));
    await Promise.all(queued.map((q) => expect(q).rejects.toThrow('statement timeout')));
    const later = loader.load('a');
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c'], ['a']]);
    calls[2]!.answer();
    await expect(later).resolves.toBe('v:a');
  });

  it('rejects the callers of a read that throws at once, and keeps serving', async () => {
    let fail = true;
    const loader = new CoalescingLoader<string, string>(
      (keys) => {
        if (fail) throw new Error('no connection');
        return Promise.resolve(new Map(keys.map((k) => [k, k])));
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    await expect(loader.load('a')).rejects.toThrow('no connection');
    fail = false;
    await expect(loader.load('b')).resolves.toBe('b');
  });
});
