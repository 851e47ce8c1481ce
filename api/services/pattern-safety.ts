/**
 * Admin-written regular expressions (a licence type's data-item `pattern`) run on every issuance's data, so one
 * with catastrophic backtracking (`(a+)+$`) would let a business system stall the API with one crafted value
 * (ReDoS). Each pattern is checked before it is saved with `recheck` (automaton analysis, with fuzzing where that
 * cannot decide; its native binary ships in the npm package and runs offline, a pure-JavaScript worker otherwise):
 * a pattern found vulnerable — exponential or polynomial — or that recheck cannot decide in time is refused.
 * The pattern is checked as it is used: `^(?:pattern)$` with the `u` flag (domain/licence-type.ts dataProblems).
 */
import { check } from 'recheck';

const TIMEOUT_MS = 5000;
const decided = new Map<string, string | null>();

/** Why the pattern may not be saved (in Chinese), or null when recheck finds it safe. */
export async function patternBacktrackingProblem(pattern: string): Promise<string | null> {
  if (decided.has(pattern)) return decided.get(pattern)!;
  let problem: string | null;
  try {
    const result = await check(`^(?:${pattern})$`, 'u', { timeout: TIMEOUT_MS });
    if (result.status === 'safe') problem = null;
    else if (result.status === 'vulnerable') {
      const kind = result.complexity.type === 'exponential' ? '指数级' : '多项式级';
      problem = `正则表达式存在${kind}回溯（ReDoS），恶意输入可使匹配耗尽计算资源，请改写（如避免嵌套或重叠的重复）`;
    } else problem = '无法在限定时间内确认正则表达式不会发生灾难性回溯，请简化';
  } catch {
    problem = '无法确认正则表达式不会发生灾难性回溯，请简化';
  }
  if (decided.size >= 1000) decided.clear();
  decided.set(pattern, problem);
  return problem;
}
