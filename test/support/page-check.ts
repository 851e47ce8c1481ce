/**
 * The page check of issue 17 (Build 7): what a page may not show a county clerk. Pure functions over a page's
 * visible text and a link's URL, used by test/e2e/page-check.e2e.test.ts.
 */

/**
 * English words a page may show: names of standards, formats and products a clerk meets as they are. Anything else
 * in Latin letters is a leak (a code, an English label, a raw value).
 */
export const ENGLISH_ALLOWLIST = new Set(
  [
    'PDF',
    'OFD',
    'XML',
    'PNG',
    'SVG',
    'JPG',
    'JPEG',
    'CSV',
    'QR',
    'CA',
    'OCSP',
    'CRL',
    'UKey',
    'Excel',
    'PKCS',
    'RSA',
    'SM2',
    'SM3',
    'SHA',
    'GB',
    'OIDC',
    'API',
    'KB',
    'MB',
    'ID',
    'IP',
    'PEM',
    'DER',
    'XLSX',
    'DOCX',
    'TXT',
    'JSON',
    'RFC',
    'OpenID',
    'Connect',
  ].map((w) => w.toLowerCase()),
);

export interface TextProblem {
  rule: string;
  sample: string;
}

const RULES: Array<{ rule: string; pattern: RegExp }> = [
  { rule: '[object Object]', pattern: /\[object [A-Za-z]+\]/ },
  { rule: 'undefined', pattern: /\bundefined\b/ },
  { rule: 'null', pattern: /\bnull\b/ },
  { rule: 'NaN', pattern: /\bNaN\b/ },
  { rule: '条款编号', pattern: /\b(?:SM|LM)-\d+|\bWP-/ },
  { rule: '接口调用', pattern: /\b(?:GET|POST|PUT|PATCH|DELETE)\s+\/[\w/:.-]*/ },
];

/**
 * Codes that are data, not words: UUIDs, hashes, upper-case codes with digits (USCCs, licence identifiers, case
 * numbers), e-mail addresses, URLs and file names.
 */
const DATA_TOKEN =
  /\b[A-Z]{2}-\d{4}-\d{6}\b|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|\b[0-9a-fA-F:]{16,}\b|\b[A-Z0-9]*\d[A-Z0-9-]*\b|[\w.+-]+@[\w.-]+|https?:\/\/\S+|[\w-]+\.(?:pdf|ofd|png|svg|csv|xlsx|xml)\b/g;

/**
 * What the visible text of a page shows that it should not. `words` is the text outside code elements (`code`,
 * `.mono`, `pre`: identifiers and codes shown as such), checked for English; the hard rules apply to all `text`.
 */
export function textProblems(text: string, words: string = text): TextProblem[] {
  const problems: TextProblem[] = [];
  let rest = words;
  for (const { rule, pattern } of RULES) {
    const m = pattern.exec(text);
    if (m) problems.push({ rule, sample: around(text, m.index, m[0].length) });
    rest = rest.replace(new RegExp(pattern.source, 'g'), ' ');
  }
  const latin = rest.replace(DATA_TOKEN, ' ');
  const english = [...latin.matchAll(/[A-Za-z][A-Za-z'’]+/g)].filter(
    (m) => !ENGLISH_ALLOWLIST.has(m[0].toLowerCase()),
  );
  if (english.length) {
    const distinct = [...new Set(english.map((m) => m[0]))].slice(0, 8);
    problems.push({ rule: '英文', sample: distinct.join(' ') });
  }
  return problems;
}

function around(text: string, index: number, length: number): string {
  return text
    .slice(Math.max(0, index - 20), index + length + 20)
    .replace(/\s+/g, ' ')
    .trim();
}

/** Links a crawler may follow: same origin, a page (not the API, a download, a sign-out or static file). */
export function isPageLink(href: string, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  const p = url.pathname;
  if (/^\/(api|static|assets|auth|login|logout)(\/|$)/.test(p)) return false;
  return !/\.(pdf|csv|xlsx|svg|png|pem|der|json|js|css|ico|zip)$/.test(p) && !p.endsWith('/copy.pdf');
}

/**
 * A route pattern for de-duplication: ids (UUIDs, codes with digits) become `:id`, the query keeps its keys only;
 * /licences/<one> and /licences/<another> are one route.
 */
export function routePattern(href: string): string {
  const url = new URL(href);
  const path = url.pathname
    .split('/')
    .map((s) => (/\d/.test(s) || /^[0-9a-f-]{20,}$/i.test(s) ? ':id' : s))
    .join('/');
  const keys = [...new Set(url.searchParams.keys())].sort().join('&');
  return keys ? `${path}?${keys}` : path;
}
