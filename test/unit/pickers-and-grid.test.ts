/**
 * Issue 17 Build 6, the pure parts: the people picker groups people under their units (units and names in Chinese
 * order, the chosen ones marked), and a year's month grids start weeks on Monday and mark holidays, adjusted
 * working days and weekends.
 */
import { peopleByUnit } from '../../api/web/people-picker';
import { yearGrid } from '../../api/web/calendar-grid';

describe('peopleByUnit', () => {
  it('groups by unit, units and names in Chinese order, and marks the chosen', () => {
    const groups = peopleByUnit(
      [
        { username: 'b', displayName: '王五', organisationName: '泽州县市场监督管理局' },
        { username: 'a', displayName: '李四', organisationName: '晋城市行政审批服务管理局' },
        { username: 'c', displayName: '安六', organisationName: '泽州县市场监督管理局' },
      ],
      ['c'],
    );
    expect(groups.map((g) => g.unit)).toEqual(['晋城市行政审批服务管理局', '泽州县市场监督管理局']);
    expect(groups[1]!.people).toEqual([
      { username: 'c', name: '安六', selected: true },
      { username: 'b', name: '王五', selected: false },
    ]);
  });
});

describe('yearGrid', () => {
  const grid = yearGrid(
    2026,
    [{ date: '2026-10-01', name: '国庆节' }],
    [{ date: '2026-09-27', name: '国庆节' }],
  );

  it('has twelve months of whole weeks from Monday, every day once', () => {
    expect(grid).toHaveLength(12);
    const days = grid.flatMap((m) => m.weeks.flat()).filter((d) => d !== null);
    expect(days).toHaveLength(365);
    for (const m of grid) for (const w of m.weeks) expect(w).toHaveLength(7);
    // 2026-02-01 is a Sunday: the last cell of February's first week.
    expect(grid[1]!.weeks[0]!.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(grid[1]!.weeks[0]![6]).toMatchObject({ date: '2026-02-01', kind: 'weekend' });
  });

  it('marks holidays 休, adjusted working days 班 (even on a Sunday) and leaves other days plain', () => {
    const day = (date: string) => grid.flatMap((m) => m.weeks.flat()).find((d) => d?.date === date);
    expect(day('2026-10-01')).toMatchObject({ kind: 'holiday', mark: '休', name: '国庆节' });
    expect(day('2026-09-27')).toMatchObject({ kind: 'workday', mark: '班', name: '国庆节' });
    expect(day('2026-09-26')).toMatchObject({ kind: 'weekend', mark: '' });
    expect(day('2026-09-28')).toMatchObject({ kind: 'working', mark: '', name: '' });
  });
});
