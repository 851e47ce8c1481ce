/**
 * Issue 20 Build 4: the offline verifier. No database, no network: a licence export, the CA certificate (as
 * downloaded once from `<PUBLIC_URL>/ca.pem`) and, optionally, a signed tree head obtained elsewhere.
 *
 *   npx tsx scripts/verify-offline.ts <export.json> --ca <ca.pem> [--tree-head <sth.json>] [--trust-list <anchors.json>]
 *
 * `--trust-list`: a JSON array of trust anchors (domain/trust-list.ts: id, name, certificatePem, validFrom, validTo),
 * issue 20 Build 3; a signer that chains to one trusted at the signing time is accepted and the report names it.
 *
 * Prints the same JSON report as `POST /api/verify` (pki/licence-verifier.ts, domain/licence-verification.ts)
 * without the registry's checks (SEAL_STATUS, REGISTRY: not performed) and without the licence's current state;
 * exits 0 for PASSED, 1 for FAILED or INDETERMINATE, 2 for a usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trustListSchema } from '../domain/trust-list';
import { verifyLicenceDocument } from '../pki/licence-verifier';
import type { SignedTreeHead } from '../pki/transparency-log';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { ca: { type: 'string' }, 'tree-head': { type: 'string' }, 'trust-list': { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.ca) {
    console.error(
      'usage: npx tsx scripts/verify-offline.ts <export.json> --ca <ca.pem> [--tree-head <sth.json>] [--trust-list <anchors.json>]',
    );
    return 2;
  }
  const document: unknown = JSON.parse(readFileSync(positionals[0]!, 'utf8'));
  const treeHead = values['tree-head']
    ? (JSON.parse(readFileSync(values['tree-head'], 'utf8')) as SignedTreeHead)
    : undefined;
  const trustAnchors = values['trust-list']
    ? trustListSchema.parse(JSON.parse(readFileSync(values['trust-list'], 'utf8')))
    : undefined;
  const report = await verifyLicenceDocument(document, {
    caCertificatePem: readFileSync(values.ca, 'utf8'),
    now: new Date(),
    treeHead,
    trustAnchors,
  });
  console.log(JSON.stringify(report, null, 2));
  return report.indication === 'PASSED' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
