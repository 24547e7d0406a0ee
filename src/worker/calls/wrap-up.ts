/**
 * The end of a call's life in the book: after it ends, a wrap-up (the user and apps still edit), then
 * **final**: when the user presses "Done", or when `wrapUntil` passes. Final fixes what is logged: the
 * record's `log` gets one entry per destination, and the deliveries are queued in the same transaction
 * (call-store.ts), so a final call is never left without its deliveries, nor queued twice.
 *
 * ```
 *  ended ──(wrapUntil set)──▶ wrap-up ──"Done" or wrapUntil passes──▶ final ──▶ logged (outbox)
 *                                 │  ▲
 *                                 └──┘ edits, "Don't log"
 * ```
 * Calls ended before the hub stopped are found again by the store's `wrapUntil` index when it starts.
 * One whose wrap-up ran out meanwhile waits until the plan knows where calls go (the site's
 * configuration reaches the hub with the first tab): made final before that, it would go nowhere.
 */
import type { CallRecord, LogEntry } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';
import type { Delivery } from '../store/call-store.ts';
import type { CallBook } from './call-book.ts';
import type { CallStore } from '../store/call-store.ts';
import { logger } from '../log.ts';

const log = logger('wrap-up');
/** After a failed attempt to make a record final (a full disk), it is tried again this much later. */
const RETRY_MS = 30_000;
/** A call due while the plan is not ready is tried again this much later. */
const NOT_READY_MS = 500;

/**
 * What final means for one record: its log entries, per destination (`pending` ones are queued); or
 * `undefined` while the destinations are not known yet, and the call stays in wrap-up.
 */
export type LogPlan = (record: CallRecord, options: { log: boolean }) => Record<string, LogEntry> | undefined;

export class WrapUp {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly book: CallBook,
    private readonly store: CallStore,
    private readonly plan: LogPlan,
    private readonly now: () => number = Date.now,
  ) {}

  /** Picks up calls still in wrap-up from the store, then every call that ends from now on. */
  async start(): Promise<void> {
    this.stopListening = this.book.subscribe((change) => {
      if (change.changed.includes('wrapUntil') && change.call.wrapUntil !== undefined) this.schedule(change.call);
    });
    for (const record of await this.store.awaitingFinal()) this.schedule(record);
  }

  stop(): void {
    this.stopListening?.();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** "Done": final now (`log: false`: final, and not logged anywhere). */
  async finish(id: string, options: { log?: boolean } = {}): Promise<CallRecord> {
    const record = await this.book.get(id);
    if (!record) throw hubError('NotFound', `No call with id ${id}`);
    if (record.state !== 'ended') throw hubError('InvalidState', 'The call is still going: hang up first, then Done');
    if (record.finalAt !== undefined) return record;
    const final = await this.finalize(id, options.log !== false);
    if (!final) throw hubError('InvalidState', 'Call logging is still starting: press Done again in a moment');
    return final;
  }

  /** "Don't log this call": kept on the record until it is final (then it is too late). */
  setDontLog(id: string, dontLog: boolean): Promise<CallRecord> {
    return this.book.settle(id, (record) => {
      if (record.finalAt !== undefined) throw hubError('InvalidState', 'This call is final already: it was logged as it stood');
      if (record.kind === 'lookup') throw hubError('InvalidState', 'A look-up is not a call: it is never logged');
      return { fields: { dontLog: dontLog || undefined } };
    });
  }

  private schedule(record: CallRecord): void {
    if (record.wrapUntil === undefined || record.finalAt !== undefined) return;
    clearTimeout(this.timers.get(record.id));
    // setTimeout's delay is a 32-bit number of ms: a far wrap-up is re-armed on the way.
    const wait = Math.min(Math.max(0, record.wrapUntil - this.now()), 2 ** 31 - 1);
    this.timers.set(record.id, setTimeout(() => {
      this.timers.delete(record.id);
      const again = (ms: number) => this.timers.set(record.id, setTimeout(() => this.schedule(record), ms));
      void this.finalize(record.id, true).then(
        (final) => {
          if (!final) again(NOT_READY_MS);
        },
        (error: unknown) => {
          log.warn(`call ${record.id} could not be made final; trying again`, error);
          again(RETRY_MS);
        },
      );
    }, wait));
  }

  /** Makes the call final; `undefined` when the plan is not ready (the call stays as it is). */
  private async finalize(id: string, logIt: boolean): Promise<CallRecord | undefined> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    let notReady = false;
    const record = await this.book.settle(id, (current) => {
      if (current.finalAt !== undefined) return undefined;
      const at = this.now();
      const entries = this.plan(current, { log: logIt });
      if (!entries) {
        notReady = true;
        return undefined;
      }
      const queue: Delivery[] = Object.entries(entries)
        .filter(([, entry]) => entry.status === 'pending')
        .map(([to]) => ({ callId: id, to, queuedAt: at, due: at, attempts: 0 }));
      return {
        fields: { finalAt: at, wrapUntil: undefined, ...(Object.keys(entries).length ? { log: entries } : {}) },
        queue,
      };
    });
    return notReady ? undefined : record;
  }
}
