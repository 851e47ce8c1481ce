/**
 * The Go programs under tools/ (independent implementations the tests compare the platform with, issue 20), built
 * by scripts/ensure-go-tools.sh into ~/.cache/elicense/go-tools. A test that finds one missing or built from other
 * sources fails and says how to build it: it never quietly compares with nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const TOOLS = path.join(__dirname, '..', '..', 'tools');
const OUT = path.join(homedir(), '.cache', 'elicense', 'go-tools');

/** The digest scripts/ensure-go-tools.sh writes: go.mod, go.sum and the .go files, in byte order of their names. */
function sourceDigest(name: string): string {
  const dir = path.join(TOOLS, name);
  const files = readdirSync(dir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const hash = createHash('sha256');
  for (const f of files) hash.update(readFileSync(path.join(dir, f)));
  return hash.digest('hex');
}

export function goTool(name: string): string {
  const binary = path.join(OUT, name);
  const stamp = `${binary}.sha256`;
  if (!existsSync(binary) || !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== sourceDigest(name))
    throw new Error(`${binary} is missing or out of date: run bash scripts/ensure-go-tools.sh`);
  return binary;
}

/** Runs a tool with a JSON request on standard input; its JSON answer. */
export function runGoTool<T>(name: string, request: unknown, args: string[] = []): Promise<T> {
  const binary = goTool(name);
  return new Promise((resolve, reject) => {
    const child = execFile(binary, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${name}: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

/** tools/merkle-check's answer: the root of every size 0…n, and its own proof for each query (with whether the
 * proof the query gave verifies). */
export interface GoMerkleAnswer {
  roots: string[];
  inclusion: Array<{ proof: string[]; verifies?: boolean }>;
  consistency: Array<{ proof: string[]; verifies?: boolean }>;
}
