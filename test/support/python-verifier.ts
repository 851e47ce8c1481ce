/**
 * Issue 20: an export checked by an implementation this project did not write — Python's rfc8785 and
 * pyca/cryptography (test/support/python-verify-export.py), in the virtualenv scripts/ensure-pycrypto.sh installs
 * from PyPI — and the signer certificate's chain by `openssl verify`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const RFC8785_VERSION = '0.1.4'; // keep in step with scripts/ensure-pycrypto.sh
export const CRYPTOGRAPHY_VERSION = '50.0.2';
const PYTHON = path.join(
  homedir(),
  '.cache',
  'elicense',
  `pycrypto-${RFC8785_VERSION}-${CRYPTOGRAPHY_VERSION}`,
  'bin',
  'python',
);
const SCRIPT = path.join(__dirname, 'python-verify-export.py');
const run = promisify(execFile);

export interface PythonChecks {
  dataHash: boolean;
  signedContent: boolean;
  signature: boolean;
  makerSignature: boolean;
  boundCertificate: boolean;
  issuedByCa: boolean;
}

export async function pythonVerifyExport(document: unknown, caPem: string): Promise<PythonChecks> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash scripts/ensure-pycrypto.sh`);
  const dir = mkdtempSync(path.join(tmpdir(), 'py-verify-'));
  writeFileSync(path.join(dir, 'ca.pem'), caPem);
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT, path.join(dir, 'ca.pem')], (err, stdout, stderr) => {
      if (err) reject(new Error(`python-verify-export: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout) as PythonChecks);
    });
    child.stdin!.end(JSON.stringify(document));
  });
}

/** `openssl verify` of a certificate against the CA certificate: its exit code and output. */
export async function opensslVerify(
  certificatePem: string,
  caPem: string,
): Promise<{ ok: boolean; out: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'openssl-verify-'));
  writeFileSync(path.join(dir, 'ca.pem'), caPem);
  writeFileSync(path.join(dir, 'cert.pem'), certificatePem);
  try {
    const { stdout, stderr } = await run('openssl', [
      'verify',
      '-CAfile',
      path.join(dir, 'ca.pem'),
      path.join(dir, 'cert.pem'),
    ]);
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout: string; stderr: string };
    return { ok: false, out: e.stdout + e.stderr };
  }
}
