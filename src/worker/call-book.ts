/**
 * The hub's memory of calls: live records in memory, every change written through to IndexedDB
 * before it is announced, versions and provenance per field, subscribers told in order.
 */
import type { Author, CallChange, CallRecord } from './api.ts';
import type { CallStore } from './call-store.ts';
import { interrupt, isLive, transition, type Transition } from './call-state.ts';
import { hubError } from './errors.ts';
import { logger } from './log.ts';

const log = logger('calls');

/** Fields only the hub may write. */
export const PBX_FIELDS: ReadonlySet<string> = new Set([
  'id', 'sipCallId', 'direction', 'state', 'outcome', 'reason', 'remote', 'local', 'events',
  'startedAt', 'answeredAt', 'endedAt', 'ringSeconds', 'talkSeconds', 'secure', 'muted', 'media',
  'recorded', 'monitored', 'version', 'provenance',
]);

export type Listener = (change: CallChange) => void;

export class CallBook {
  private readonly live = new Map<string, CallRecord>();
  private readonly listeners = new Set<Listener>();
  /** Commits are chained so IndexedDB sees them, and subscribers hear them, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the last write failed (e.g. the disk is full); cleared by the next success. */
  storageError: string | undefined;
  onStorageError?: (message: string | undefined) => void;

  constructor(
    private readonly store: CallStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Closes records a crash left live, as `interrupted`. Returns how many. */
  async recover(): Promise<number> {
    const stale = await this.store.live();
    for (const record of stale) {
      const next = { ...record, ...interrupt(record, this.now()), version: record.version + 1 };
      await this.store.put(next);
    }
    if (stale.length) log.info(`closed ${stale.length} call(s) left live as interrupted`);
    return stale.length;
  }

  liveCalls(): CallRecord[] {
    return [...this.live.values()];
  }

  getLive(id: string): CallRecord | undefined {
    return this.live.get(id);
  }

  async get(id: string): Promise<CallRecord | undefined> {
    return this.live.get(id) ?? (await this.store.get(id));
  }

  async list(options: { live?: boolean; limit?: number } = {}): Promise<CallRecord[]> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const live = this.liveCalls().sort((a, b) => b.startedAt - a.startedAt);
    if (options.live) return live.slice(0, limit);
    const stored = await this.store.recent(limit + live.length);
    const ids = new Set(live.map((r) => r.id));
    return [...live, ...stored.filter((r) => !ids.has(r.id))]
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, limit);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  create(record: CallRecord): Promise<CallRecord> {
    this.live.set(record.id, record);
    return this.commit(record, 'created', Object.keys(record));
  }

  /** Applies a state-machine transition (author: the PBX). */
  transition(id: string, t: Transition): Promise<CallRecord> {
    const record = this.require(id);
    return this.write(id, 'pbx', transition(record, t, this.now()));
  }

  /**
   * Writes fields with provenance. A write that changes nothing bumps nothing and notifies nobody.
   * `ifVersion` makes it a compare-and-set.
   */
  write(id: string, by: Author, fields: Partial<CallRecord>, ifVersion?: number): Promise<CallRecord> {
    const record = this.require(id);
    if (ifVersion !== undefined && ifVersion !== record.version) {
      return Promise.reject(
        hubError('VersionConflict', `Call ${id} is at version ${record.version}, not ${ifVersion}: read it again and retry`),
      );
    }
    const changed = Object.keys(fields).filter(
      (k) => !sameValue(record[k as keyof CallRecord], fields[k as keyof CallRecord]),
    );
    if (changed.length === 0) return Promise.resolve(record);
    const at = this.now();
    const provenance = { ...record.provenance };
    for (const k of changed) provenance[k] = { by, at };
    const next: CallRecord = { ...record, ...fields, provenance, version: record.version + 1 };
    const ended = !isLive(next);
    if (ended) this.live.delete(id);
    else this.live.set(id, next);
    return this.commit(next, ended && isLive(record) ? 'ended' : 'updated', changed);
  }

  private require(id: string): CallRecord {
    const record = this.live.get(id);
    if (!record) throw hubError('CallNotFound', `No live call with id ${id}`);
    return record;
  }

  private commit(record: CallRecord, type: 'created' | 'updated' | 'ended', changed: string[]): Promise<CallRecord> {
    const run = async () => {
      try {
        await this.store.put(record);
        if (this.storageError) this.setStorageError(undefined);
      } catch (error) {
        // The record stays in memory and is written again with its next change; say so loudly.
        const name = (error as Error)?.name;
        this.setStorageError(
          name === 'QuotaExceededError'
            ? 'Storage is full: recent calls are kept in memory until space is freed'
            : `Could not save call records: ${(error as Error)?.message ?? error}`,
        );
        log.error('write-through failed', error);
      }
      this.emit({ type, call: record, changed });
      return record;
    };
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }

  private setStorageError(message: string | undefined) {
    this.storageError = message;
    this.onStorageError?.(message);
  }

  private emit(change: CallChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        log.warn('subscriber failed', error);
      }
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
