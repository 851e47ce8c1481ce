/**
 * How a deadline and the time left before it read (zh-CN), the same on every page and in every e-mail: a day
 * deadline ends at 24:00 of its last working day, never "00:00 the next day".
 */
import { shanghaiDateOf } from '../domain/calendar';
import { shanghaiDateTime } from '../domain/format';

/**
 * `12月9日 24:00` for the end of a day, `3月2日 15:00` for an hour deadline; '' without one. With `year`,
 * `2028年3月2日 24:00` (a calculator that may look years ahead). The one way a deadline is written.
 */
export function deadlineText(iso: string | null, options: { year?: boolean } = {}): string {
  if (!iso) return '';
  const text = shanghaiDateTime(iso);
  const [date, time] = text.endsWith(' 00:00')
    ? [shanghaiDateOf(new Date(Date.parse(iso) - 1)), '24:00']
    : text.split(' ');
  const [y, m, d] = date!.split('-').map(Number);
  return `${options.year ? `${y}年` : ''}${m}月${d}日 ${time}`;
}

/** `剩余 2 天 3 小时`, `已超期 5 小时 10 分`. */
export function timeLeftText(ms: number | null): string {
  if (ms === null) return '';
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const span =
    days > 0
      ? `${days} 天${hours ? ` ${hours} 小时` : ''}`
      : hours > 0
        ? `${hours} 小时${mins ? ` ${mins} 分` : ''}`
        : `${Math.max(mins, 1)} 分钟`;
  return ms < 0 ? `已超期 ${span}` : `剩余 ${span}`;
}
