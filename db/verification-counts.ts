/**
 * Anonymous verifications (LM-19, LM-25) counted in memory and written in batches (issue 19 Build 4): no write on a
 * verification's own path. Each count is kept under its Asia/Shanghai day as of the request (a flush after midnight
 * still credits the day the verification was made), and a flush writes every pending key in one upsert that adds
 * to the stored count. A failed flush keeps its counts for the next one; stopping flushes what is left. A crash
 * loses at most one interval's counts (a statistic, not a record: the audit log keeps signed-in verifications).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { shanghaiDate } from '../domain/format';

interface Pending {
  day: string;
  identifier: string;
  channel: string;
  indication: string;
  count: number;
  lastAt: Date;
}

export class VerificationCounter {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly em: () => EntityManager,
    /** How often pending counts are written. */
    private readonly intervalMs = 1000,
  ) {}

  /** Counts one verification now; written at the next flush. */
  count(identifier: string | null, channel: string, indication: string, now = new Date()): void {
    const day = shanghaiDate(now);
    const id = (identifier ?? '').slice(0, 200);
    const key = JSON.stringify([day, id, channel, indication]);
    const found = this.pending.get(key);
    if (found) {
      found.count += 1;
      found.lastAt = now;
    } else {
      this.pending.set(key, { day, identifier: id, channel, indication, count: 1, lastAt: now });
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.intervalMs).unref();
  }

  /** Writes every pending count (one statement); resolves when they are stored. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.em().execute(
        `insert into anonymous_verification_count as c (day, identifier, channel, indication, count, last_at)
         select r.day, r.identifier, r.channel, r.indication, r.count, r.last_at
           from jsonb_to_recordset(?::jsonb)
             as r(day date, identifier text, channel text, indication text, count int, last_at timestamptz)
         on conflict (day, identifier, channel, indication)
         do update set count = c.count + excluded.count, last_at = greatest(c.last_at, excluded.last_at)`,
        [
          JSON.stringify(
            batch.map((p) => ({
              day: p.day,
              identifier: p.identifier,
              channel: p.channel,
              indication: p.indication,
              count: p.count,
              last_at: p.lastAt.toISOString(),
            })),
          ),
        ],
      );
    } catch (err) {
      // Kept for the next flush, added to whatever came in meanwhile.
      for (const p of batch) {
        const key = JSON.stringify([p.day, p.identifier, p.channel, p.indication]);
        const found = this.pending.get(key);
        if (found) found.count += p.count;
        else this.pending.set(key, p);
      }
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.intervalMs).unref();
      throw err;
    }
  }
}
