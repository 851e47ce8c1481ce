/**
 * Issue 18 acceptance: two validators this project did not write, run on a stamped PDF with the platform's CA as
 * the only trust root — poppler's `pdfsig` (it trusts the CAs of an NSS database, made here with `certutil` from
 * libnss3-tools) and pyHanko (PyPI, installed by scripts/ensure-pyhanko.sh into its own virtualenv).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PYHANKO_VERSION = '0.38.0'; // keep in step with scripts/ensure-pyhanko.sh
const PYTHON = path.join(homedir(), '.cache', 'elicense', `pyhanko-${PYHANKO_VERSION}`, 'bin', 'python');
const VALIDATE = path.join(__dirname, 'pyhanko-validate.py');

export interface PdfsigSignature {
  field: string;
  signer: string;
  /** "Signature is Valid." or e.g. "Digest Mismatch." */
  signatureValidation: string;
  certificateValidation: string;
  totalDocumentSigned: boolean;
}

export interface PyhankoSignature {
  field: string;
  subFilter: string;
  intact: boolean;
  valid: boolean;
  trusted: boolean;
  coverage: string | null;
  modificationLevel: string | null;
  docmdpOk: boolean | null;
  bottomLine: boolean;
  signer: string;
  timestamp: { intact: boolean; valid: boolean; trusted: boolean; time: string } | null;
  summary: string;
}

/** A directory holding the PDF and the CA, and an NSS database that trusts the CA for signatures. */
export async function validationWorkspace(
  caPem: string,
): Promise<{ dir: string; nssDir: string; caFile: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pades-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, caPem);
  const nssDir = `sql:${dir}`;
  await run('certutil', ['-N', '-d', nssDir, '--empty-password']);
  await run('certutil', ['-A', '-d', nssDir, '-n', 'platform-ca', '-t', 'C,C,C', '-a', '-i', caFile]);
  return { dir, nssDir, caFile };
}

function field(block: string, label: string): string {
  return new RegExp(`- ${label}: (.*)`).exec(block)?.[1]?.trim() ?? '';
}

/**
 * pdfsig's report. pdfsig asks a certificate's OCSP address online (issue 18 Build 2) unless `ocsp: false`
 * (`-no-ocsp`, which pdfsig 22.12 answers with "Unknown issue with Certificate" for these certificates).
 */
export async function pdfsig(
  pdf: Buffer,
  caPem: string,
  options: { ocsp?: boolean } = {},
): Promise<PdfsigSignature[]> {
  const { dir, nssDir } = await validationWorkspace(caPem);
  const file = path.join(dir, 'stamped.pdf');
  writeFileSync(file, pdf);
  const args = ['-nssdir', nssDir, ...(options.ocsp === false ? ['-no-ocsp'] : []), file];
  // pdfsig exits non-zero when a signature fails; its report is what the tests read.
  const { stdout } = await run('pdfsig', args).catch((err) => err as { stdout: string });
  return stdout
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((block) => ({
      field: field(block, 'Signature Field Name'),
      signer: field(block, 'Signer Certificate Common Name'),
      signatureValidation: field(block, 'Signature Validation'),
      certificateValidation: field(block, 'Certificate Validation'),
      totalDocumentSigned: /- Total document signed/.test(block),
    }));
}

export async function pyhanko(pdf: Buffer, caPem: string): Promise<PyhankoSignature[]> {
  const { dir, caFile } = await validationWorkspace(caPem);
  const file = path.join(dir, 'stamped.pdf');
  writeFileSync(file, pdf);
  const { stdout } = await run(PYTHON, [VALIDATE, caFile, file]);
  return JSON.parse(stdout) as PyhankoSignature[];
}

/** The PDF with one byte of its signed content changed: the last character of `marker` (e.g. a digit). */
export function withOneByteChanged(pdf: Buffer, marker: string): Buffer {
  const changed = Buffer.from(pdf);
  const found = changed.indexOf(marker);
  if (found < 0) throw new Error(`marker ${marker} not in the PDF`);
  const at = found + marker.length - 1;
  changed[at] = changed[at]! ^ 0x01;
  return changed;
}

const LTV = path.join(__dirname, 'pyhanko-ltv.py');

export interface PyhankoLtvReport {
  /** How many certificates, OCSP responses and CRLs the PDF's DSS holds; null without a DSS. */
  dss: { certs: number; ocsps: number; crls: number } | null;
  signatures: Array<{
    field: string;
    /** The signature's timestamp: the time it was validated at. */
    validatedAt: string | null;
    intact: boolean;
    valid: boolean;
    trusted: boolean;
    revocationDetails: string | null;
    timestampTrusted: boolean | null;
    bottomLine: boolean;
    /** The control: the same validation without the DSS's data. */
    trustedWithoutDss: boolean;
    summary: string;
  }>;
}

/**
 * Issue 18 Build 2, PAdES B-LT: pyHanko validates each signature with the platform CA as root and only the
 * validation data embedded in the PDF (its DSS; nothing fetched, revocation checking hard-fail), at the
 * signature's timestamp (test/support/pyhanko-ltv.py).
 */
export async function pyhankoLtv(pdf: Buffer, caPem: string): Promise<PyhankoLtvReport> {
  const { dir, caFile } = await validationWorkspace(caPem);
  const file = path.join(dir, 'stamped.pdf');
  writeFileSync(file, pdf);
  const { stdout } = await run(PYTHON, [LTV, caFile, file]);
  return JSON.parse(stdout) as PyhankoLtvReport;
}
