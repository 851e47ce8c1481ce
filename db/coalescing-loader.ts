/**
 * Reads by key from concurrent requests coalesced into few statements (issue 19: verification near the machine's
 * limit). A key asked while fewer than `maxInFlight` reads are running is read at once, alone; a key asked while
 * that many are running waits in a queue, and when one of them ends the whole queue (up to `maxBatch` keys, each
 * once) goes out as the next read. So an idle process pays nothing, and a busy one sends one statement for many
 * requests.
 *
 * Freshness: every key is read by a statement that starts after the key was asked (at once, or after a running
 * read has ended), so each caller sees state at least as new as its own arrival — nothing is kept between reads.
 */

/** Reads the values of `keys` (distinct) in one go; a key absent from the map has no value. */
export type BatchRead<K, V> = (keys: K[]) => Promise<Map<K, V>>;

export interface CoalescingOptions {
  /** Reads running at once (each holds a database connection). */
  maxInFlight: number;
  /** Callers served by one read at most. */
  maxBatch: number;
}

interface Waiting<K, V> {
  key: K;
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

export class CoalescingLoader<K, V> {
  private queue: Waiting<K, V>[] = [];
  private running = 0;

  constructor(
    private readonly read: BatchRead<K, V>,
    private readonly options: CoalescingOptions,
  ) {}

  /** The value of `key` as read by a statement started after this call; undefined when it has none. */
  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < this.options.maxInFlight) {
      this.start(this.queue.splice(0, this.options.maxBatch));
    }
  }

  private start(batch: Waiting<K, V>[]): void {
    this.running++;
    let reading: Promise<Map<K, V>>;
    try {
      reading = this.read([...new Set(batch.map((w) => w.key))]);
    } catch (error) {
      reading = Promise.reject(error);
    }
    reading
      .then(
        (found) => batch.forEach((w) => w.resolve(found.get(w.key))),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        this.running--;
        this.pump();
      });
  }
}
