/**
 * The hub's memory of calls: live records in memory, every change written through to IndexedDB
 * and then announced, versions and provenance per field, subscribers told in order.
 *
 * When a write fails (the disk is full), the change is announced all the same: a call in progress
 * must not freeze while the user is talking. The record is kept in memory as unsaved, written again
 * with every later write and on a timer until a write succeeds, and `storageError` (the panel's
 * banner) stays set until then. Unsaved records are lost if the hub stops first (every tab closed).
 * An edit to a record that is only in the store is the exception: nothing holds it, so the writer is
 * told it failed.
 */
import type { Author, CallChange, CallRecord } from '../../shared/api.ts';
import { getPath, overLimits, setPath, type CheckedPatch } from '../../shared/fields.ts';
import type { CallStore, Delivery } from '../store/call-store.ts';
import { CallClock } from './call-clock.ts';
import { interrupt, isLive, transition, type Transition } from './call-state.ts';
import { hubError } from '../../shared/errors.ts';
import { logger } from '../log.ts';

const log = logger('calls');

export { PBX_FIELDS } from '../../shared/fields.ts';

export type Listener = (change: CallChange) => void;

interface PendingCommit {
  change: { type: 'created' | 'updated' | 'ended'; call: CallRecord; changed: string[]; by?: Author };
  resolve: (record: CallRecord) => void;
}

/** How many previous calls (and lookups) stay opened in the cache at once; the oldest is closed. */
export const MAX_OPENED = 20;

const FULL = 'Storage is full: free some disk space. Recent calls are kept in memory until then, and lost if Patchbay is closed or reloaded first.';

/** A hub fact written to an ended record, with the logging outbox changes that go with it. */
export interface Settlement {
  /** Fields to set; `undefined` deletes one. */
  fields: Partial<CallRecord>;
  /** Deliveries to queue (or replace), in the same transaction. */
  queue?: Delivery[];
  /** Deliveries ([callId, to]) that are over, in the same transaction. */
  done?: [string, string][];
}

export class CallBook {
  /** How long a call's wrap-up lasts after it ends, before it is final (the hub's setting). */
  wrapUpMs = 120_000;
  private readonly live = new Map<string, CallRecord>();
  /** Previous calls and lookups opened for enrichment, oldest first. */
  private readonly opened = new Map<string, CallRecord>();
  private readonly listeners = new Set<Listener>();
  /** Commits are chained so IndexedDB sees them, and subscribers hear them, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Commits waiting for the next write-through transaction. */
  private batch: PendingCommit[] | undefined;
  /** Records whose latest version failed to be written, by id; written again with the next write. */
  private readonly unsaved = new Map<string, CallRecord>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while any record is unsaved (e.g. the disk is full); cleared once they are all written. */
  storageError: string | undefined;
  onStorageError?: (message: string | undefined) => void;

  constructor(
    private readonly store: CallStore,
    private readonly now: () => number = Date.now,
    /** How long after a failed write the unsaved records are tried again, if nothing else writes. */
    private readonly retryMs = 30_000,
    /** Ring and talk durations, immune to the wall clock's jumps. */
    private readonly clock = new CallClock(),
  ) {}

  /**
   * Closes records a crash left live, as `interrupted`. Returns how many. On a full disk the hub
   * still starts: they are kept as unsaved, like any other change.
   */
  async recover(): Promise<number> {
    const stale = await this.store.live();
    const closed = stale.map((record) => ({
      ...record, ...interrupt(record, this.now()), wrapUntil: this.now() + this.wrapUpMs, version: record.version + 1,
    }));
    await this.enqueue(() => this.persist(closed));
    if (stale.length) log.info(`closed ${stale.length} call(s) left live as interrupted`);
    return stale.length;
  }

  liveCalls(): CallRecord[] {
    return [...this.live.values()];
  }

  getLive(id: string): CallRecord | undefined {
    return this.live.get(id);
  }

  /** Ids of the records opened for enrichment (not live calls), oldest first. */
  openedIds(): string[] {
    return [...this.opened.keys()];
  }

  /** Whether a record is live or opened: apps may write to it. */
  isCached(id: string): boolean {
    return this.live.has(id) || this.opened.has(id);
  }

  /** Live calls and opened records: what apps work on. */
  cached(): CallRecord[] {
    return [...this.live.values(), ...this.opened.values()];
  }

  async get(id: string): Promise<CallRecord | undefined> {
    return this.held(id) ?? (await this.store.get(id));
  }

  /** The newest version in memory: live, opened, or closed but not yet saved. */
  private held(id: string): CallRecord | undefined {
    return this.live.get(id) ?? this.opened.get(id) ?? this.unsaved.get(id);
  }

  /** `live`: the records in the cache (calls in progress and opened records), newest first. */
  async list(options: { live?: boolean; limit?: number } = {}): Promise<CallRecord[]> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const live = this.cached().sort((a, b) => b.startedAt - a.startedAt);
    if (options.live) return live.slice(0, limit);
    const ids = new Set(live.map((r) => r.id));
    const memory = [...live, ...[...this.unsaved.values()].filter((r) => !ids.has(r.id))];
    const stored = await this.store.recent(limit + memory.length);
    for (const r of memory) ids.add(r.id);
    return [...memory, ...stored.filter((r) => !ids.has(r.id))]
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, limit);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds what the hub knows at once to a new call (caller ID from the contacts). */
  enrich: (record: CallRecord) => CallRecord = (record) => record;

  create(created: CallRecord): Promise<CallRecord> {
    const record = this.enrich(created);
    this.live.set(record.id, record);
    this.clock.started(record.id);
    return this.commit(record, 'created', Object.keys(record));
  }

  /** Applies a state-machine transition (author: the PBX). */
  transition(id: string, t: Transition): Promise<CallRecord> {
    const record = this.require(id);
    const fields = transition(record, t, this.now(), this.clock.elapsed(id));
    if (t.type === 'answered') this.clock.answered(id);
    if (t.type === 'ended') this.clock.forget(id);
    // The wrap-up starts as the call ends: the record is final when it runs out (or at "Done").
    if (t.type === 'ended' && record.kind !== 'lookup') fields.wrapUntil = this.now() + this.wrapUpMs;
    return this.write(id, 'pbx', fields);
  }

  /**
   * Writes hub facts (wrap-up, final, log) to an ended record, held or only stored, with the logging
   * outbox's changes in the same transaction. `decide` sees the newest version, inside the commit
   * queue, and returns nothing to leave it. Rejects if it cannot be saved: the caller retries, and
   * nothing is announced that was not stored.
   */
  settle(id: string, decide: (record: CallRecord) => Settlement | undefined): Promise<CallRecord> {
    return this.enqueue(async () => {
      const current = this.held(id) ?? (await this.store.get(id));
      if (!current) throw hubError('NotFound', `No call with id ${id}`);
      if (isLive(current)) throw hubError('InvalidState', `Call ${id} is still ${current.state}`);
      const plan = decide(current);
      if (!plan) return current;
      const changed = Object.keys(plan.fields).filter(
        (k) => !sameValue(current[k as keyof CallRecord], plan.fields[k as keyof CallRecord]),
      );
      if (!changed.length && !plan.queue?.length && !plan.done?.length) return current;
      const next = { ...current, provenance: { ...current.provenance } } as Record<string, unknown> & CallRecord;
      const at = this.now();
      for (const k of changed) {
        const value = plan.fields[k as keyof CallRecord];
        if (value === undefined) {
          delete next[k];
          delete next.provenance[k];
        } else {
          next[k] = value;
          next.provenance[k] = { by: 'pbx', at };
        }
      }
      if (changed.length) next.version = current.version + 1;
      await this.store.putWithDeliveries(next, plan.queue ?? [], plan.done ?? []);
      this.unsaved.delete(id);
      this.remember(next);
      if (changed.length) this.emit({ type: 'updated', call: next, changed });
      return next;
    });
  }

  /**
   * Writes PBX facts to a live call, with provenance (users and apps write through `patch`). A
   * write that changes nothing bumps nothing and notifies nobody.
   */
  write(id: string, by: 'pbx', fields: Partial<CallRecord>): Promise<CallRecord> {
    const record = this.require(id);
    const changed = Object.keys(fields).filter(
      (k) => !sameValue(record[k as keyof CallRecord], fields[k as keyof CallRecord]),
    );
    if (changed.length === 0) return Promise.resolve(record);
    const at = this.now();
    const provenance = { ...record.provenance };
    for (const k of changed) provenance[k] = { by, at };
    const next: CallRecord = { ...record, ...fields, provenance, version: record.version + 1 };
    const ended = !isLive(next);
    if (ended) {
      // A call that ends stays in the cache (wrap-up: notes, apps logging it) until closed or pushed out.
      this.live.delete(id);
      this.opened.delete(id);
      this.opened.set(id, next);
      this.trimOpened();
    } else this.live.set(id, next);
    return this.commit(next, ended && isLive(record) ? 'ended' : 'updated', changed);
  }

  /**
   * Writes enrichment fields (checked dotted paths) to any record: live, opened or only stored.
   * Per-path provenance; only real changes bump the version and are announced; `ifVersion` makes
   * it a compare-and-set. Records that are only stored are read and written inside the commit
   * queue, so concurrent writers never lose an update; if such a write fails, it rejects.
   */
  patch(id: string, by: Author, fields: CheckedPatch, ifVersion?: number): Promise<CallRecord> {
    const inMemory = this.live.get(id) ?? this.opened.get(id);
    if (inMemory) {
      let next: ReturnType<CallBook['applyPatch']>;
      try {
        next = this.applyPatch(inMemory, by, fields, ifVersion);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      if (!next) return Promise.resolve(inMemory);
      this.remember(next.record);
      return this.commit(next.record, 'updated', next.changed, by);
    }
    return this.enqueue(async () => {
      const heldNow = this.held(id);
      const stored = heldNow ?? (await this.store.get(id));
      if (!stored) throw hubError('NotFound', `No call with id ${id}`);
      const next = this.applyPatch(stored, by, fields, ifVersion);
      if (!next) return stored;
      if (heldNow) {
        this.remember(next.record);
        await this.persist(next.record);
      } else {
        // Not held in memory: if it cannot be saved, the writer must know, or the edit is lost.
        try {
          await this.store.put(next.record);
        } catch (error) {
          const full = ['QuotaExceeded', 'QuotaExceededError'].includes((error as Error)?.name);
          throw hubError(full ? 'QuotaExceeded' : 'InvalidState', full
            ? 'Storage is full: the edit was not saved. Free some space (or shorten the history kept) and retry'
            : `The edit was not saved: ${(error as Error)?.message ?? error}`);
        }
      }
      this.emit({ type: 'updated', call: next.record, changed: next.changed, by });
      return next.record;
    });
  }

  private applyPatch(record: CallRecord, by: Author, fields: CheckedPatch, ifVersion?: number) {
    if (ifVersion !== undefined && ifVersion !== record.version) {
      throw hubError('VersionConflict', `Call ${record.id} is at version ${record.version}, not ${ifVersion}: read it again and retry`);
    }
    let next: CallRecord = record;
    const changed: string[] = [];
    for (const [path, value] of fields) {
      if (sameValue(getPath(next, path), value)) continue;
      next = setPath(next, path, value);
      changed.push(path);
    }
    if (changed.length === 0) return undefined;
    // A write that adds (not one that only clears) must keep the record within the shared limits.
    if (changed.some((path) => fields.get(path) !== undefined)) {
      const areas = new Set(changed.filter((p) => p.startsWith('apps.')).map((p) => p.split('.')[1]!));
      const why = overLimits(next, areas);
      if (why) throw hubError('InvalidArgument', `Not saved: ${why}`);
    }
    const at = this.now();
    const provenance = { ...record.provenance };
    // A cleared field has no author: its provenance goes with it.
    for (const path of changed) {
      if (fields.get(path) === undefined) delete provenance[path];
      else provenance[path] = { by, at };
    }
    return { record: { ...next, provenance, version: record.version + 1 }, changed };
  }

  /** Keeps the in-memory copy of a cached record current. */
  private remember(record: CallRecord): void {
    if (this.live.has(record.id)) this.live.set(record.id, record);
    else if (this.opened.has(record.id)) this.opened.set(record.id, record);
  }

  /**
   * Opens a previous call (or lookup) in the cache so apps enrich it; announced as `opened` (again,
   * when it already was: the user is looking at it now). A live call is announced as it is.
   */
  open(id: string): Promise<CallRecord> {
    return this.enqueue(async () => {
      const record = this.held(id) ?? (await this.store.get(id));
      if (!record) throw hubError('NotFound', `No call with id ${id}`);
      if (!this.live.has(id)) {
        this.opened.delete(id);
        this.opened.set(id, record);
        this.trimOpened();
      }
      this.emit({ type: 'opened', call: record, changed: [] });
      return record;
    });
  }

  /** Takes an opened record out of the cache. */
  close(id: string): Promise<void> {
    return this.enqueue(async () => {
      const record = this.opened.get(id);
      if (!record) return;
      this.opened.delete(id);
      this.emit({ type: 'closed', call: record, changed: [] });
    });
  }

  /** Stores a new record that is not a live call (a lookup) and opens it. */
  add(record: CallRecord): Promise<CallRecord> {
    return this.enqueue(async () => {
      await this.persist(record);
      this.opened.set(record.id, record);
      this.trimOpened();
      this.emit({ type: 'opened', call: record, changed: Object.keys(record) });
      return record;
    });
  }

  private trimOpened(): void {
    while (this.opened.size > MAX_OPENED) {
      const [oldest] = this.opened.values();
      this.opened.delete(oldest!.id);
      this.emit({ type: 'closed', call: oldest!, changed: [] });
    }
  }

  private require(id: string): CallRecord {
    const record = this.live.get(id);
    if (!record) throw hubError('CallNotFound', `No live call with id ${id}`);
    return record;
  }

  /**
   * Writes a change through, then announces it. Changes that arrive while an earlier write is in
   * flight are gathered and written in one transaction, then announced in order: under load the
   * cost of IndexedDB is shared, and nothing is announced before its write has been tried. A failed
   * write is announced too, and kept as unsaved (see the top of this file).
   */
  private commit(record: CallRecord, type: 'created' | 'updated' | 'ended', changed: string[], by?: Author): Promise<CallRecord> {
    return new Promise((resolve) => {
      if (!this.batch) {
        const batch: PendingCommit[] = (this.batch = []);
        void this.enqueue(async () => {
          this.batch = undefined;
          await this.persist(batch.map((b) => b.change.call));
          for (const b of batch) {
            this.emit(b.change);
            b.resolve(b.change.call);
          }
        });
      }
      this.batch.push({ change: { type, call: record, changed, ...(by ? { by } : {}) }, resolve });
    });
  }

  /** Runs `task` after every earlier commit, in order; a failed task does not stop the queue. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes `records` and every unsaved record in one transaction; never rejects. On failure they
   * are all kept as unsaved, the panel says so, and a retry is armed; on success none is left.
   * Runs only inside the queue, so nothing else changes `unsaved` meanwhile.
   */
  private async persist(records: CallRecord | CallRecord[]): Promise<void> {
    // Unsaved first: a later version of the same call, in `records`, wins.
    const all = [...this.unsaved.values(), ...(Array.isArray(records) ? records : [records])];
    if (!all.length) return;
    try {
      await this.store.putMany(all);
      this.unsaved.clear();
      if (this.storageError) this.setStorageError(undefined);
    } catch (error) {
      for (const r of all) this.unsaved.set(r.id, r);
      const name = (error as Error)?.name;
      const message = name === 'QuotaExceeded' || name === 'QuotaExceededError'
        ? FULL
        : `Could not save call records (${(error as Error)?.message ?? error}): they are kept in memory and saved again with the next change`;
      this.setStorageError(message);
      log.error(`write-through failed, ${this.unsaved.size} call(s) unsaved`, error);
      this.armRetry();
    }
  }

  /** Tries the unsaved records again later, so the banner goes once space is freed even if no call changes. */
  private armRetry(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.enqueue(() => this.persist([]));
    }, this.retryMs);
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
