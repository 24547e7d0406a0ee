/**
 * The logging outbox: delivers each final call to each destination, once. The deliveries wait in
 * IndexedDB (queued in the transaction that made the call final, wrap-up.ts); each attempt's outcome
 * is written to the record's `log` in the same transaction that deletes or reschedules the delivery,
 * so a hub that stops at any point resumes where it was on its next start.
 *
 * ```
 *  queued ──deliver──▶ sent                       (log: sent, ref; delivery deleted)
 *    │  ▲      ├─────▶ failed                     (400, 403…: never retried; log: failed, reason)
 *    │  └later─┤                                  (network, 429, 5xx: due again after a backoff or Retry-After)
 *    │         └─────▶ paused (reconnect)         (401 / no token: waits until Gmail is connected again)
 *    └── its destination paused: left waiting, others go on
 * ```
 * One attempt at a time per destination, each destination in a lane of its own and paced (Gmail's quota:
 * 250 units a second per user, 25 per insert), so a paced or slow destination holds up no other. The ambiguous case: a request that reached the server but whose answer was lost is tried
 * again, so a webhook may see it twice (same `Idempotency-Key`) and Gmail may hold two copies.
 */
import type { CallRecord, LogEntry } from '../../shared/api.ts';
import type { CallBook } from '../calls/call-book.ts';
import type { CallStore, Delivery } from '../store/call-store.ts';
import { backoffDelay } from '../sip/registration.ts';
import { logger } from '../log.ts';

const log = logger('outbox');

/** Somewhere final calls go: the Gmail logger, a webhook sender. */
export interface Destination {
  deliver(callId: string): Promise<{ ref: string }>;
  /** Least time between two attempts to it (ms). */
  readonly spacingMs: number;
}

/** What a destination's failure says to do (the integrations' DeliveryError). */
interface Failure {
  message: string;
  retry?: 'later' | 'never' | 'reconnect';
  retryAfterMs?: number;
}

/** Retries wait from 5 s, doubling to at most 15 minutes. */
export const RETRY_POLICY = { baseMs: 5000, maxMs: 15 * 60_000 };
const BATCH = 50;

export class DeliveryOutbox {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly lastAttempt = new Map<string, number>();
  private stopped = false;
  /** Why the oldest waiting delivery waits, for the panel. */
  waiting: string | undefined;

  constructor(
    private readonly store: CallStore,
    private readonly book: CallBook,
    /** The destination to deliver to now, or a reason it is paused. */
    private readonly destination: (to: string) => Destination | string,
    /** Told after every attempt (the panel's "Unlogged calls: N"). */
    private readonly onChange: () => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delivers what is due, now (also after a reconnect, or "Retry now" with `all`). */
  kick(options: { all?: boolean } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (options.all) void this.makeAllDue().then(() => this.kick());
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async makeAllDue(): Promise<void> {
    const now = Date.now();
    for (const d of await this.store.deliveries(10_000)) if (d.due > now) await this.store.putDelivery({ ...d, due: now });
  }

  /**
   * One lane per destination, side by side: Gmail's pacing (or a slow webhook) never holds up another
   * destination. Each lane delivers what is due, in order, then says when its next delivery is due.
   */
  private async run(): Promise<void> {
    const waiting = new Map<string, string>();
    const destinations = [...(await this.store.countDeliveriesTo()).keys()];
    const next = await Promise.all(destinations.map((to) => this.lane(to, waiting)));
    if (this.stopped) return;
    const due = next.filter((t): t is number => t !== undefined);
    if (due.length) this.timer = setTimeout(() => void this.kick(), Math.max(0, Math.min(...due) - Date.now()) + 50);
    this.waiting = waiting.size ? [...waiting.values()][0] : destinations.length ? this.waiting : undefined;
    this.onChange();
  }

  /** Delivers one destination's due deliveries; returns when the next falls due (undefined: none, or paused). */
  private async lane(to: string, waiting: Map<string, string>): Promise<number | undefined> {
    for (;;) {
      const batch = await this.store.deliveries(BATCH, undefined, to);
      if (!batch.length) return undefined;
      let delivered = 0;
      for (const delivery of batch) {
        if (this.stopped) return undefined;
        if (delivery.due > Date.now()) return delivery.due;
        const destination = this.destination(to);
        if (typeof destination === 'string') {
          waiting.set(to, destination);
          return undefined;
        }
        await this.pace(to, destination.spacingMs);
        const going = await this.attempt(delivery, destination);
        delivered++;
        this.onChange();
        if (!going) return undefined;
      }
      if (!delivered) return undefined;
    }
  }

  private async pace(to: string, spacingMs: number): Promise<void> {
    const wait = (this.lastAttempt.get(to) ?? 0) + spacingMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastAttempt.set(to, performance.now());
  }

  /** One attempt and its outcome recorded; false when the destination now waits for a reconnect. */
  private async attempt(delivery: Delivery, destination: Destination): Promise<boolean> {
    const key: [string, string] = [delivery.callId, delivery.to];
    const attempts = delivery.attempts + 1;
    let outcome: { entry: LogEntry; next?: Delivery };
    try {
      const { ref } = await destination.deliver(delivery.callId);
      outcome = { entry: { status: 'sent', at: Date.now(), ref, attempts } };
      this.waiting = undefined;
    } catch (error) {
      const failure = error as Failure;
      if ((error as Error)?.name === 'NotFound') {
        // The record is gone (deleted by retention before it could be logged): nothing left to send.
        await this.store.deleteDelivery(key).catch(() => undefined);
        return true;
      }
      const reason = String(failure?.message ?? error).slice(0, 500);
      if (failure?.retry === 'never') {
        log.warn(`call ${delivery.callId} will not reach ${delivery.to}: ${reason}`);
        outcome = { entry: { status: 'failed', at: Date.now(), reason, attempts } };
      } else if (failure?.retry === 'reconnect') {
        // Waits, as it is, for the destination to be connected again: no attempt is spent.
        this.waiting = reason;
        await this.note(delivery, { status: 'pending', at: Date.now(), reason, attempts: delivery.attempts });
        return false;
      } else {
        const delay = failure?.retryAfterMs ?? backoffDelay(delivery.attempts, this.random(), RETRY_POLICY);
        const due = Date.now() + Math.max(delay, 1000);
        this.waiting = `${reason}; trying again at ${new Date(due).toISOString().slice(11, 19)} UTC`;
        outcome = { entry: { status: 'pending', at: Date.now(), reason, attempts }, next: { ...delivery, attempts, due } };
      }
    }
    try {
      await this.book.settle(delivery.callId, (record) => ({
        fields: { log: { ...record.log, [delivery.to]: outcome.entry } },
        ...(outcome.next ? { queue: [outcome.next] } : { done: [key] }),
      }));
    } catch (error) {
      if ((error as Error)?.name === 'NotFound') await this.store.deleteDelivery(key).catch(() => undefined);
      else log.error(`could not record the delivery of ${delivery.callId} to ${delivery.to}`, error);
    }
    return true;
  }

  /** The record's entry for a delivery that waits, without touching the delivery. */
  private async note(delivery: Delivery, entry: LogEntry): Promise<CallRecord | undefined> {
    return this.book
      .settle(delivery.callId, (record) => {
        const was = record.log?.[delivery.to];
        if (was && was.status === entry.status && was.reason === entry.reason) return undefined;
        return { fields: { log: { ...record.log, [delivery.to]: entry } } };
      })
      .catch(() => undefined);
  }
}
