/**
 * Issue 19 (LM-10, Build 1): a small pool of worker threads (node:worker_threads) that sign conversion batches on
 * every core. A batch is cut into one slice per thread (each with its first serial number), the slices are signed
 * in parallel and their COPY bytes kept in row order, so the result is exactly what one thread would give.
 * Threads start on first use, are unref'd while idle (they never keep a process alive) and are replaced when one
 * dies; `close()` ends them. They load the TypeScript sources through tsx's CommonJS hook, under `npm start`
 * (tsx) and under jest alike. The seal's decrypted key crosses to the threads by message, within the process.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  ConversionSigningInput,
  EncodedRows,
  encodedRows,
  signConvertedRows,
} from './licence-conversion-signing';

interface Task {
  input: ConversionSigningInput;
  resolve(result: EncodedRows): void;
  reject(err: Error): void;
}

type Reply = { ok: true; result: EncodedRows } | { ok: false; error: string };

const BOOT = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(join(__dirname, 'licence-conversion-thread.ts'))});`;

/** The COPY bytes of a batch, table by table, as its slices came back (in row order). */
export interface SignedBatch {
  count: number;
  signatures: Uint8Array[];
  licences: Uint8Array[];
  outbox: Uint8Array[];
}

const asBatch = (parts: EncodedRows[]): SignedBatch => ({
  count: parts.reduce((n, p) => n + p.count, 0),
  signatures: parts.map((p) => p.signatures),
  licences: parts.map((p) => p.licences),
  outbox: parts.map((p) => p.outbox),
});

/** Signs a batch in the pool's threads, or in the caller's thread when there is no pool. */
export function signBatch(pool: ConversionSigningPool | undefined, input: ConversionSigningInput) {
  return pool ? pool.sign(input) : Promise.resolve(asBatch([encodedRows(signConvertedRows(input))]));
}

export class ConversionSigningPool {
  private readonly threads = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private closed = false;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`signing threads: ${size} is not a positive count`);
  }

  async sign(input: ConversionSigningInput): Promise<SignedBatch> {
    const per = Math.ceil(input.rows.length / this.size) || 1;
    const slices: ConversionSigningInput[] = [];
    for (let from = 0; from < input.rows.length; from += per)
      slices.push({
        ...input,
        rows: input.rows.slice(from, from + per),
        firstSerial: input.firstSerial + from,
      });
    return asBatch(await Promise.all(slices.map((slice) => this.run(slice))));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the signing threads are closed'));
    await Promise.all([...this.threads].map((w) => w.terminate()));
  }

  private run(input: ConversionSigningInput): Promise<EncodedRows> {
    if (this.closed) return Promise.reject(new Error('the signing threads are closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const thread = this.idle.pop() ?? (this.threads.size < this.size ? this.spawn() : undefined);
      if (!thread) return;
      const task = this.queue.shift()!;
      this.busy.set(thread, task);
      thread.ref();
      thread.postMessage(task.input);
    }
  }

  private spawn(): Worker {
    const thread = new Worker(BOOT, { eval: true });
    this.threads.add(thread);
    thread.on('message', (reply: Reply) => {
      const task = this.busy.get(thread);
      this.busy.delete(thread);
      thread.unref();
      this.idle.push(thread);
      if (reply.ok) task?.resolve(reply.result);
      else task?.reject(new Error(reply.error));
      this.dispatch();
    });
    const lost = (err: Error) => {
      if (!this.threads.delete(thread)) return;
      const at = this.idle.indexOf(thread);
      if (at >= 0) this.idle.splice(at, 1);
      this.busy.get(thread)?.reject(err);
      this.busy.delete(thread);
      this.dispatch();
    };
    thread.on('error', lost);
    thread.on('exit', (code) => lost(new Error(`a signing thread exited (code ${code})`)));
    return thread;
  }
}
