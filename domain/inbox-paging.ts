/**
 * One page of the 待办 list over two kinds of tasks: the approval engine's (ordered, filtered and counted by SQL)
 * and the few derived from other records (a dispute's decisions, a leaving holder's authorisation). Both are one
 * list in one order — least time left first, without a deadline last, then the oldest task first — so a page is a
 * cut of the merged list, never of the engine's alone.
 */

/** The rows a page covers: `[offset, offset + size)` of the whole list. */
export interface PageWindow {
  offset: number;
  size: number;
}

/** An entry's place in the 待办 order: `due_at asc nulls last, created_at asc`, as the engine's SQL sorts. */
export interface DueOrderKey {
  dueMs: number | null;
  createdMs: number;
  /** The final tie-break among the derived tasks, so that every request cuts the same pages. */
  id: string;
}

/** The page of `page`/`pageSize` (20 a page when only the page is given); without either, the first `cap` rows. */
export function pageWindow(
  query: { page?: number | undefined; pageSize?: number | undefined },
  cap: number,
): PageWindow {
  const size = query.pageSize ?? (query.page ? 20 : cap);
  return { offset: ((query.page ?? 1) - 1) * size, size };
}

/** Least time left first, without a deadline last, then the oldest (the engine's SQL order). */
export function byDue(a: DueOrderKey, b: DueOrderKey): number {
  const due = (k: DueOrderKey) => k.dueMs ?? Number.POSITIVE_INFINITY;
  if (due(a) !== due(b)) return due(a) < due(b) ? -1 : 1;
  return a.createdMs - b.createdMs;
}

/** `byDue`, then by id: a total order for the derived tasks, whose queries return them in no set order. */
export function byDueOrder(a: DueOrderKey, b: DueOrderKey): number {
  return byDue(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The page `window` of the merged list. `engine.items` must be the first `offset + size` rows of the engine's list
 * in its order (fewer when the list is shorter) and `engine.total` the whole list's length; `others` are all the
 * matching derived tasks, in any order. Engine rows keep their SQL order; on a full tie the engine row comes first.
 */
export function mergedPage<T extends DueOrderKey>(
  engine: { items: T[]; total: number },
  others: T[],
  window: PageWindow,
): { items: T[]; total: number } {
  const rest = [...others].sort(byDueOrder);
  const end = window.offset + window.size;
  const merged: T[] = [];
  let e = 0;
  let o = 0;
  while (merged.length < end && (e < engine.items.length || o < rest.length)) {
    const takeEngine =
      o >= rest.length || (e < engine.items.length && byDue(engine.items[e]!, rest[o]!) <= 0);
    merged.push(takeEngine ? engine.items[e++]! : rest[o++]!);
  }
  return { items: merged.slice(window.offset, end), total: engine.total + others.length };
}
