/** Dates as Chinese users read them: Asia/Shanghai, `2026-11-27`, `2026-11-27 14:05` and `2026-11-27 14:05:09`. */
const dateFmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const dateTimeFmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const dateTimeSecondsFmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function shanghaiDate(d: Date | string): string {
  return dateFmt.format(new Date(d));
}

export function shanghaiDateTime(d: Date | string): string {
  return dateTimeFmt.format(new Date(d));
}

/** To the second, where a comparison to the second is being explained (validity windows at signing time). */
export function shanghaiDateTimeSeconds(d: Date | string): string {
  return dateTimeSecondsFmt.format(new Date(d));
}
