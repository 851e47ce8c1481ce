/**
 * JSON canonicalisation per RFC 8785 (JCS): object keys sorted by UTF-16 code units, no white space, numbers and
 * strings serialised as ECMAScript does. Signed structures (seal info, later licences) are signed over these bytes
 * so that any party can recompute them.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON cannot hold a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires. One pass, no entry arrays: a
    // conversion makes two canonical forms per row (issue 19).
    const record = value as Record<string, unknown>;
    let out = '';
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      out += `${out ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `{${out}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}
