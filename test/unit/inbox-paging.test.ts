/**
 * Issue 17 review (待办 lists): the 待办 and 督办 pages cut ONE list, the engine's tasks and the other sources' merged
 * least time left first (domain/inbox-paging.ts). Pages 1..n cover every item exactly once, in that order, each
 * page at most its size, with the total of both kinds.
 */
import { byDue, DueOrderKey, mergedPage, pageWindow } from '../../domain/inbox-paging';

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 11, 1);

/** Ten engine tasks due every other hour, one without a deadline, in their SQL order. */
const engine: DueOrderKey[] = [
  ...Array.from({ length: 10 }, (_, i) => ({
    dueMs: BASE + 2 * i * HOUR,
    createdMs: BASE - HOUR,
    id: `task-${i}`,
  })),
  { dueMs: null, createdMs: BASE, id: 'task-nodue' },
];
/** Derived tasks (disputes, handovers) in no set order: between engine tasks, on a tie, last, and without a deadline. */
const others: DueOrderKey[] = [
  { dueMs: BASE + 15 * HOUR, createdMs: BASE, id: 'dispute-b' },
  { dueMs: null, createdMs: BASE - 2 * HOUR, id: 'handover-nodue' },
  { dueMs: BASE + 1 * HOUR, createdMs: BASE, id: 'dispute-a' },
  { dueMs: BASE + 4 * HOUR, createdMs: BASE - HOUR, id: 'handover-tie' },
  { dueMs: BASE + 100 * HOUR, createdMs: BASE, id: 'handover-late' },
];

/** What SQL answers for the window: the first offset + size rows and the whole count. */
function prefix(offset: number, size: number) {
  return { items: engine.slice(0, offset + size), total: engine.length };
}

describe('mergedPage', () => {
  it.each([1, 2, 3, 4, 7, 20])(
    'pages of %i cover every item once, in one order, with the total of both',
    (size) => {
      const seen: string[] = [];
      const pages = Math.ceil((engine.length + others.length) / size);
      for (let page = 1; page <= pages + 1; page++) {
        const window = pageWindow({ page, pageSize: size }, 500);
        const result = mergedPage(prefix(window.offset, window.size), others, window);
        expect(result.total).toBe(engine.length + others.length);
        expect(result.items.length).toBeLessThanOrEqual(size);
        if (page > pages) expect(result.items).toEqual([]);
        seen.push(...result.items.map((i) => i.id));
      }
      expect(seen).toHaveLength(engine.length + others.length);
      expect(new Set(seen).size).toBe(seen.length);
      const byId = new Map([...engine, ...others].map((k) => [k.id, k]));
      const keys = seen.map((id) => byId.get(id)!);
      keys.slice(1).forEach((k, i) => expect(byDue(keys[i]!, k)).toBeLessThanOrEqual(0));
      // The engine's tie comes first; both without a deadline come last, the older first.
      expect(seen.indexOf('task-2')).toBe(seen.indexOf('handover-tie') - 1);
      expect(seen.slice(-2)).toEqual(['handover-nodue', 'task-nodue']);
    },
  );

  it('a derived task due after a full first page of engine tasks is on page 2, and page 1 holds the size', () => {
    const late = [{ dueMs: BASE + 7 * HOUR, createdMs: BASE, id: 'dispute-late' }];
    const first = mergedPage(prefix(0, 3), late, pageWindow({ page: 1, pageSize: 3 }, 500));
    const second = mergedPage(prefix(3, 3), late, pageWindow({ page: 2, pageSize: 3 }, 500));
    expect(first.items.map((i) => i.id)).toEqual(['task-0', 'task-1', 'task-2']);
    expect(second.items.map((i) => i.id)).toEqual(['task-3', 'dispute-late', 'task-4']);
    expect([first.total, second.total]).toEqual([12, 12]);
  });

  it('without engine tasks the derived ones are the list; without a page, the first cap rows', () => {
    expect(
      mergedPage({ items: [], total: 0 }, others, { offset: 2, size: 2 }).items.map((i) => i.id),
    ).toEqual(['dispute-b', 'handover-late']);
    expect(pageWindow({}, 500)).toEqual({ offset: 0, size: 500 });
    expect(pageWindow({ page: 3 }, 500)).toEqual({ offset: 40, size: 20 });
    const capped = mergedPage(prefix(0, 4), others, pageWindow({ pageSize: 4 }, 500));
    expect(capped.items.map((i) => i.id)).toEqual(['task-0', 'dispute-a', 'task-1', 'task-2']);
  });
});
