/**
 * Dates as Chinese users read them: Asia/Shanghai, `2026-11-27`, `2026-11-27 14:05` and `2026-11-27 14:05:09`.
 * Each formatter is made on its first use, not when the module loads: the workflow bundle loads this module for
 * every workflow it starts (the SDK gives each its own modules), and an `Intl.DateTimeFormat` is costly to make
 * (issue 19 Build 3: about a tenth of the bundle's load), while most workflows never format a date.
 */
const SHANGHAI = { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' } as const;
const TO_THE_MINUTE = { ...SHANGHAI, hour: '2-digit', minute: '2-digit', hour12: false } as const;

function lazyFormat(options: Intl.DateTimeFormatOptions): (d: Date | string) => string {
  let fmt: Intl.DateTimeFormat | undefined;
  return (d) => (fmt ??= new Intl.DateTimeFormat('sv-SE', options)).format(new Date(d));
}

export const shanghaiDate = lazyFormat(SHANGHAI);

export const shanghaiDateTime = lazyFormat(TO_THE_MINUTE);

/** To the second, where a comparison to the second is being explained (validity windows at signing time). */
export const shanghaiDateTimeSeconds = lazyFormat({ ...TO_THE_MINUTE, second: '2-digit' });
