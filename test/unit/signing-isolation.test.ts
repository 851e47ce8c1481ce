/**
 * Issue 11 Build 5: the API process holds no key. Read from the import lines of the sources: nothing the API's
 * composition loads (platform/compose.ts, every file under api/, the platform worker it runs) reaches the module that
 * decrypts keys (pki/key-encryption.ts), and the API's configuration has no field for the key-encryption secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { loadConfig, loadSigningConfig } from '../../infra/config';

const ROOT = path.join(__dirname, '..', '..');
const KEY_DECRYPTION = 'pki/key-encryption.ts';

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The repository files a source loads at run time (type-only imports are erased by the compiler). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specs = [
    ...[...text.matchAll(IMPORT)].filter((m) => !m[1]).map((m) => m[2]!),
    ...[...text.matchAll(DYNAMIC)].map((m) => m[1]!),
  ];
  return specs
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const found = [`${base}.ts`, `${base}/index.ts`, base].find((f) => existsSync(path.join(ROOT, f)));
      if (!found) throw new Error(`${file}: cannot resolve ${spec}`);
      return found;
    });
}

/** Every file reached from the entries, each with the chain that reached it first. */
function reach(entries: string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>(entries.map((e) => [e, [e]]));
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of runtimeImports(file)) {
      if (chains.has(next)) continue;
      chains.set(next, [...chains.get(file)!, next]);
      queue.push(next);
    }
  }
  return chains;
}

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return tsFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('issue 11 Build 5: keys out of the web process', () => {
  it('the API composition, api/ and the platform worker never load the key-decrypting module', () => {
    const entries = ['platform/compose.ts', 'worker/worker.ts', 'activities/index.ts', ...tsFiles('api')];
    const chain = reach(entries).get(KEY_DECRYPTION);
    expect(chain?.join(' → ') ?? 'not reached').toBe('not reached');
  });

  it('the signing worker does load it (so the check above looks at real import chains)', () => {
    expect(reach(['platform/signing-worker.ts']).has(KEY_DECRYPTION)).toBe(true);
    expect(reach(['worker/signing-main.ts']).has(KEY_DECRYPTION)).toBe(true);
  });

  it("the API's configuration carries no key-encryption secret, even when the environment has one", () => {
    const config = loadConfig({ NODE_ENV: 'test', PKI_MASTER_KEY: 'a-master-key', JWT_SECRET: 'x' });
    expect(JSON.stringify(config)).not.toContain('a-master-key');
    expect(Object.keys(config)).not.toContain('pkiMasterKey');
    expect(loadSigningConfig({ NODE_ENV: 'test', PKI_MASTER_KEY: 'a-master-key' })).toEqual({
      pkiMasterKey: 'a-master-key',
    });
  });

  it('production: the API starts without PKI_MASTER_KEY; the signing worker refuses to', () => {
    const env = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x',
      LICENCE_ACCESS_CODE_SECRET: 'codes-only',
      DATABASE_URL: 'postgres://app@db/elicense',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SMTP_URL: 'smtp://mail',
      TEMPORAL_API_KEY: 'temporal-key',
      OIDC_ISSUER: 'https://id.example',
      OIDC_JWKS_URL: 'https://id.example/jwks',
      OIDC_CLIENT_ID: 'elicense-web',
    };
    expect(loadConfig(env).licenceAccessCodeSecret).toBe('codes-only');
    expect(() => loadSigningConfig(env)).toThrow('PKI_MASTER_KEY must be set');
    expect(() => loadConfig({ ...env, LICENCE_ACCESS_CODE_SECRET: '' })).toThrow(
      'LICENCE_ACCESS_CODE_SECRET',
    );
  });
});
