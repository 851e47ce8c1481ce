/**
 * Issue 20 Build 1: what the transparency log signs and what a verifier checks, with the CA certificate alone.
 *
 * - A leaf is the RFC 8785 JSON of `{format, kind, identifier, hash, time}`: for a licence, kind
 *   `licence.issuance` (version 001) or `licence.version`, its identifier, its data hash and its signing time — all
 *   read from the export itself, so that a verifier rebuilds the leaf rather than trusting one handed to it.
 * - A signed tree head (STH) is the RFC 8785 JSON of `{format, treeSize, rootHash, timestamp}`, signed
 *   (RSA-SHA256) with the log's own key, whose certificate the CA issued and which the head carries.
 * - A licence export carries `transparency: {leafIndex, inclusionProof, treeHead}` once its leaf is in a signed
 *   tree; `licenceInclusionProblem` checks it.
 */
import { createHash, createSign, createVerify, X509Certificate } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';
import { BoundedLru } from './certificate-cache';
import { Hash, leafHash, verifyConsistency, verifyInclusion } from './merkle-tree';

export const LOG_LEAF_FORMAT = 'jincheng-log-leaf/1';
export const TREE_HEAD_FORMAT = 'jincheng-log-sth/1';

export interface LogLeafContent {
  kind: string;
  identifier: string;
  /** SHA-256 hex of what the leaf stands for (a licence's data hash). */
  hash: string;
  /** ISO 8601, as recorded (a licence's signing time). */
  time: string;
}

export function logLeaf(content: LogLeafContent): string {
  return canonicalJson({ format: LOG_LEAF_FORMAT, ...content });
}

export function logLeafHash(content: LogLeafContent): Hash {
  return leafHash(logLeaf(content));
}

export interface TreeHeadContent {
  treeSize: number;
  /** Hex. */
  rootHash: string;
  /** ISO 8601. */
  timestamp: string;
}

export interface SignedTreeHead extends TreeHeadContent {
  signedContent: string;
  /** Base64 RSA-SHA256 over signedContent. */
  signature: string;
  /** The log key's certificate, issued by the CA. */
  certificatePem: string;
}

export function signTreeHead(
  content: TreeHeadContent,
  privateKeyPem: string,
  certificatePem: string,
): SignedTreeHead {
  const signedContent = canonicalJson({ format: TREE_HEAD_FORMAT, ...content });
  const signature = createSign('sha256').update(signedContent, 'utf8').sign(privateKeyPem, 'base64');
  return { ...content, signedContent, signature, certificatePem };
}

/**
 * Answers of treeHeadProblem, a pure function of the head's fields and the CA certificate, by a digest of them
 * (issue 19 Build 4): every verification checks the same latest head, with two certificate parses and two RSA
 * checks each time. Only heads whose fields are all strings and a number are kept (a document's head may be
 * anything); bounded, so that heads sent by anyone cannot fill memory.
 */
const treeHeadAnswers = new BoundedLru<string | null>({
  maxEntries: 1000,
  maxBytes: 256 * 1024,
  maxEntryBytes: 1024,
});

function treeHeadFields(sth: SignedTreeHead, caCertificatePem: string): unknown[] {
  return [
    sth.treeSize,
    sth.rootHash,
    sth.timestamp,
    sth.signedContent,
    sth.signature,
    sth.certificatePem,
    caCertificatePem,
  ];
}

function treeHeadKey(fields: unknown[]): string | null {
  const [treeSize, ...texts] = fields;
  if (typeof treeSize !== 'number' || !texts.every((f) => typeof f === 'string')) return null;
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * The last answer for a head object (the platform's latest head is one object, checked by every verification),
 * with the fields it was given for: found again without hashing while the same object has the same fields.
 */
const lastAnswerOf = new WeakMap<SignedTreeHead, { fields: unknown[]; answer: string | null }>();

/** Null when the tree head is signed by a log key the CA issued and its fields are what it signed. */
export function treeHeadProblem(sth: SignedTreeHead, caCertificatePem: string): string | null {
  const fields = treeHeadFields(sth, caCertificatePem);
  const last = lastAnswerOf.get(sth);
  if (last && last.fields.every((f, i) => f === fields[i])) return last.answer;
  const key = treeHeadKey(fields);
  let answer = key === null ? undefined : treeHeadAnswers.get(key);
  if (answer === undefined) {
    answer = checkTreeHead(sth, caCertificatePem);
    if (key !== null) treeHeadAnswers.set(key, answer, 64 + (answer?.length ?? 0) * 3);
  }
  if (key !== null) lastAnswerOf.set(sth, { fields, answer });
  return answer;
}

function checkTreeHead(sth: SignedTreeHead, caCertificatePem: string): string | null {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(sth.certificatePem);
    ca = new X509Certificate(caCertificatePem);
  } catch {
    return '树根签名证书无法解析';
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return '树根签名证书不是由信任的 CA 签发的';
  let ok = false;
  try {
    ok = createVerify('sha256')
      .update(sth.signedContent, 'utf8')
      .verify(cert.publicKey, sth.signature, 'base64');
  } catch {
    ok = false;
  }
  if (!ok) return '树根签名无效';
  const expected = canonicalJson({
    format: TREE_HEAD_FORMAT,
    treeSize: sth.treeSize,
    rootHash: sth.rootHash,
    timestamp: sth.timestamp,
  });
  if (expected !== sth.signedContent) return '树根的大小、根哈希或时间与签名内容不一致';
  return null;
}

export interface InclusionEvidence {
  leafIndex: number;
  /** Hex hashes, leaf side first (RFC 9162 §2.1.3). */
  inclusionProof: string[];
  treeHead: SignedTreeHead;
}

const hex = (h: string) => Buffer.from(h, 'hex');

/** Null when `leaf` is at `leafIndex` in the signed tree head's tree, else what is wrong. */
export function inclusionProblem(
  leaf: LogLeafContent,
  evidence: InclusionEvidence,
  caCertificatePem: string,
) {
  const sthProblem = treeHeadProblem(evidence.treeHead, caCertificatePem);
  if (sthProblem) return sthProblem;
  const { treeSize, rootHash } = evidence.treeHead;
  const ok = verifyInclusion(
    evidence.leafIndex,
    treeSize,
    logLeafHash(leaf),
    evidence.inclusionProof.map(hex),
    hex(rootHash),
  );
  return ok ? null : `包含证明不成立：该记录不在大小为 ${treeSize} 的日志树中第 ${evidence.leafIndex} 项`;
}

/** Null when the later tree head extends the earlier one (RFC 9162 §2.1.4), else what is wrong. */
export function consistencyProblem(
  earlier: TreeHeadContent,
  later: TreeHeadContent,
  proof: string[],
): string | null {
  const ok = verifyConsistency(
    earlier.treeSize,
    later.treeSize,
    hex(earlier.rootHash),
    hex(later.rootHash),
    proof.map(hex),
  );
  return ok
    ? null
    : `大小 ${earlier.treeSize} 与 ${later.treeSize} 的两个树根不一致：日志中已有的记录被删除或修改`;
}
