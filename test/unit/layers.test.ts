/**
 * The layering, read from the import lines of the sources so that it cannot quietly come back:
 * `domain/` (pure rules: no I/O, no clock) ← `db/`, `pki/` (pure crypto) ← `usecases/`, `activities/` ←
 * `workflows/` ← `api/` (thin: routes and pages call services), with `seed/` and `platform/` on top.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Files that still reach entities themselves (none now): a new entry needs a reason. Shrink, never grow. */
const ENTITY_ACCESS_ALLOWLIST: string[] = [];

interface Source {
  /** Repository-relative, with forward slashes. */
  file: string;
  text: string;
  imports: Array<{ spec: string; typeOnly: boolean; target: string | null }>;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...tsFiles(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The source without comments (string contents are left alone; good enough for import lines and calls). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

function read(dir: string): Source[] {
  return tsFiles(dir).map((file) => {
    const text = withoutComments(readFileSync(path.join(ROOT, file), 'utf8'));
    const imports: Source['imports'] = [];
    const add = (spec: string, typeOnly: boolean) => {
      const target = spec.startsWith('.')
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
        : null; // a library
      imports.push({ spec, typeOnly, target });
    };
    for (const m of text.matchAll(IMPORT)) add(m[2], Boolean(m[1]));
    for (const m of text.matchAll(DYNAMIC)) add(m[1], false);
    return { file, text, imports };
  });
}

function under(target: string | null, ...dirs: string[]): boolean {
  return target !== null && dirs.some((d) => target === d || target.startsWith(`${d}/`));
}

function violations(sources: Source[], bad: (i: Source['imports'][number], s: Source) => boolean): string[] {
  return sources.flatMap((s) => s.imports.filter((i) => bad(i, s)).map((i) => `${s.file} imports ${i.spec}`));
}

it('pki/ is pure crypto: it imports nothing from db/', () => {
  expect(violations(read('pki'), (i) => under(i.target, 'db'))).toEqual([]);
});

it('db/ imports nothing from the layers above it', () => {
  const above = ['pki', 'activities', 'api', 'workflows', 'usecases', 'seed', 'platform', 'worker'];
  expect(violations(read('db'), (i) => under(i.target, ...above))).toEqual([]);
});

it('domain/ imports only domain/ and libraries', () => {
  expect(violations(read('domain'), (i) => i.target !== null && !under(i.target, 'domain'))).toEqual([]);
});

it('domain/ does not read the clock (no Date.now(), no new Date() without arguments)', () => {
  const clock = /\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)/;
  expect(
    read('domain')
      .filter((s) => clock.test(s.text))
      .map((s) => s.file),
  ).toEqual([]);
});

it('workflows/ import nothing from db/, not even types (shared types live in domain/)', () => {
  expect(violations(read('workflows'), (i) => under(i.target, 'db'))).toEqual([]);
});

it('only the durable-request helper starts workflows (usecases/durable-request.ts)', () => {
  const starts = ['api', 'workflows', 'activities', 'domain', 'usecases']
    .flatMap(read)
    .filter((s) => /\.workflow\.start\(/.test(s.text))
    .map((s) => s.file);
  expect(starts).toEqual(['usecases/durable-request.ts']);
});

it('api/services do not import api/web', () => {
  expect(violations(read('api/services'), (i) => under(i.target, 'api/web'))).toEqual([]);
});

const pagesAndRoutes = () => [...read('api/web'), ...read('api/routes')];

it('pages and routes import no entity from db/ (type-only imports aside); they call services', () => {
  const found = violations(
    pagesAndRoutes(),
    (i, s) => under(i.target, 'db') && !i.typeOnly && !ENTITY_ACCESS_ALLOWLIST.includes(s.file),
  );
  expect(found).toEqual([]);
});

it('pages and routes do not open the database themselves (ctx.em())', () => {
  const found = pagesAndRoutes()
    .filter((s) => /\bctx\.em\(\)/.test(s.text) && !ENTITY_ACCESS_ALLOWLIST.includes(s.file))
    .map((s) => s.file);
  expect(found).toEqual([]);
});

it('the allowlist names only files that still need it', () => {
  const needing = pagesAndRoutes()
    .filter(
      (s) => /\bctx\.em\(\)/.test(s.text) || s.imports.some((i) => under(i.target, 'db') && !i.typeOnly),
    )
    .map((s) => s.file);
  expect(ENTITY_ACCESS_ALLOWLIST.filter((f) => !needing.includes(f))).toEqual([]);
});

it('the checks see imports at all (the regex reads multi-line and type-only imports)', () => {
  const pki = read('pki').find((s) => s.file === 'pki/licence-verifier.ts')!;
  expect(pki.imports.map((i) => i.target)).toEqual(
    expect.arrayContaining(['domain/licence-verification', 'pki/seal-signer', 'domain/seal-signature']),
  );
  expect(pki.imports.find((i) => i.target === 'domain/seal-signature')?.typeOnly).toBe(true);
});
