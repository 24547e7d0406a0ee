/**
 * IndexedDB persistence for call records and hub settings (idb). Versioned schema: one
 * `if (oldVersion < n)` step per version; never await anything but IndexedDB inside a transaction.
 *
 * v1: `calls` (records as clients see them, by id; indexes startedAt, state) and `kv`.
 * v2: `calls` gains `time` ([startedAt, id]: a total order, for retention); the side store
 *     `search` holds what the history is searched and filtered by (history-index.ts), keyed by
 *     [−startedAt, id], so derived fields never reach a client, an index read gives the time of
 *     every match without loading a record, and ascending reads (the only kind `getAll` does)
 *     run newest first.
 * v3: `search` entries keep their words and number forms as `terms`, each behind the 30-day period
 *     the call started in (history-index.ts), indexed by `terms` instead of the `words` and `numbers`
 *     indexes: a search reads its terms' matches newest period first and stops once a page is full.
 *     As many index entries per call as before, and no larger entries, so a write costs about the same.
 * v4: `calls` gains `wrapUntil` (only ended calls still in wrap-up carry the field, so the index holds
 *     exactly the calls waiting to become final); `deliveries` holds each final call's pending
 *     deliveries (the logging outbox), written in the transaction that makes the call final and
 *     deleted in the one that records the outcome.
 * v5: `contacts`, the address book (shared/contacts.ts), by id. The hub searches it in memory
 *     (contacts/contact-book.ts): the store only keeps it.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { CallRecord } from '../../shared/api.ts';
import type { StoredContact } from '../../shared/contacts.ts';
import { hubError } from '../../shared/errors.ts';
import { phoneNumbersReady } from '../../shared/phone-number.ts';
import { entryOf, withTerms, type Category, type Searchable, type SearchEntry } from './search-index.ts';

export type TimeKey = [at: number, id: string];
/** A search entry's key: [−startedAt, id], newest first in ascending order. */
export type EntryKey = [t: number, id: string];

export interface PatchbayDB extends DBSchema {
  calls: {
    key: string;
    value: CallRecord;
    indexes: { startedAt: number; state: string; time: TimeKey; wrapUntil: number };
  };
  contacts: {
    key: string;
    value: StoredContact;
  };
  deliveries: {
    key: [callId: string, to: string];
    value: Delivery;
    indexes: { due: number };
  };
  kv: {
    key: string;
    value: unknown;
  };
  search: {
    key: EntryKey;
    value: SearchEntry;
    /** `cat`: [category, −startedAt, id]; `terms`: one key per word / number form and period. */
    indexes: { cat: [Category, number, string]; terms: string };
  };
}

/** One final call waiting to be delivered to one destination (`to`: gmail, webhook-1…). */
export interface Delivery {
  callId: string;
  to: string;
  /** When it was queued (the call became final). */
  queuedAt: number;
  /** Not before this time (epoch ms): the backoff after a failure, or a server's Retry-After. */
  due: number;
  attempts: number;
}

export const DB_NAME = 'patchbay';
export const DB_VERSION = 5;
/** The hub keeps its settings under this kv key (hub-core.ts); the v2 migration reads the country. */
const SETTINGS_KEY = 'settings';

type AnyTx = IDBPTransaction<PatchbayDB, ArrayLike<StoreNames<PatchbayDB>>, 'readwrite' | 'versionchange'>;

/** Writes a record and its search entry in `tx`. */
function putBoth(tx: AnyTx, record: CallRecord, country: string | undefined): Promise<unknown>[] {
  return [tx.objectStore('calls').put(record), tx.objectStore('search').put(entryOf(record, country))];
}

/** A full disk, as the named error the hub's clients branch on. */
export function storageError(error: unknown, what: string): unknown {
  const name = (error as Error | null)?.name;
  if (name === 'QuotaExceededError' || name === 'QuotaExceeded') {
    return hubError('QuotaExceeded', `Storage is full: ${what} was not saved and nothing stored was changed. Free some disk space, or delete old history, and try again.`);
  }
  return error;
}

export class CallStore {
  /** ISO country for numbers stored without a country code (from the hub's settings). */
  defaultCountry: string | undefined;

  private constructor(readonly db: IDBPDatabase<PatchbayDB>) {}

  static async open(name = DB_NAME): Promise<CallStore> {
    // Only the oldest migration (v1 → v2) reads numbers: it waits for the metadata; a current database
    // opens at once.
    const existing = (await indexedDB.databases?.().catch(() => undefined))?.find((d) => d.name === name)?.version;
    if (existing === 1) await phoneNumbersReady;
    let country: string | undefined;
    const db = await openDB<PatchbayDB>(name, DB_VERSION, {
      async upgrade(db, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          const calls = db.createObjectStore('calls', { keyPath: 'id' });
          calls.createIndex('startedAt', 'startedAt');
          calls.createIndex('state', 'state');
          db.createObjectStore('kv');
        }
        if (oldVersion < 2) {
          tx.objectStore('calls').createIndex('time', ['startedAt', 'id'], { unique: true });
          const search = db.createObjectStore('search', { keyPath: ['t', 'id'] });
          search.createIndex('cat', ['cat', 't', 'id']);
          // v2's `words` and `numbers` indexes are left out: the v3 step below replaces them.
          // Index what v1 stored, in this upgrade transaction: nothing else can read meanwhile.
          const settings = (await tx.objectStore('kv').get(SETTINGS_KEY)) as { defaultCountry?: string } | undefined;
          country = settings?.defaultCountry;
          let cursor = await tx.objectStore('calls').openCursor();
          while (cursor) {
            void tx.objectStore('search').put(entryOf(cursor.value, country));
            cursor = await cursor.continue();
          }
        }
        if (oldVersion < 3) {
          const search = tx.objectStore('search');
          // Typed as v3 has it: the v2 indexes exist only in databases written before.
          const old = search as unknown as { deleteIndex(name: string): void; indexNames: DOMStringList };
          for (const name of ['words', 'numbers']) if (old.indexNames.contains(name)) old.deleteIndex(name);
          // Entries written by v2 hold bare `words` and `numbers`: they become `terms`, from what the
          // entry already holds (no record is read again). Read in batches and rewritten without
          // waiting on each (a cursor step per entry is about ten times slower), then indexed at once.
          const BATCH = 1000;
          let from: IDBKeyRange | null = null;
          for (;;) {
            const batch = (await search.getAll(from, BATCH)) as Array<SearchEntry | (Omit<SearchEntry, 'terms'> & Searchable)>;
            for (const entry of batch) if (!('terms' in entry)) void search.put(withTerms(entry));
            const last = batch[batch.length - 1];
            if (batch.length < BATCH || !last) break;
            from = IDBKeyRange.lowerBound([last.t, last.id], true);
          }
          search.createIndex('terms', 'terms', { multiEntry: true });
        }
        if (oldVersion < 4) {
          tx.objectStore('calls').createIndex('wrapUntil', 'wrapUntil');
          db.createObjectStore('deliveries', { keyPath: ['callId', 'to'] }).createIndex('due', 'due');
        }
        if (oldVersion < 5) db.createObjectStore('contacts', { keyPath: 'id' });
      },
    });
    const store = new CallStore(db);
    store.defaultCountry = country;
    return store;
  }

  /**
   * Writes one record; resolves once the transaction has committed. `relaxed`: committed to the
   * operating system (it survives the browser or the tab crashing) without waiting for a disk flush,
   * which costs milliseconds on every ring. A full disk rejects with `QuotaExceeded`.
   */
  put(record: CallRecord): Promise<void> {
    return this.putMany([record]);
  }

  /** Writes records in one transaction, in order (a later version of the same call wins): all or none. */
  async putMany(records: CallRecord[]): Promise<void> {
    // Search entries hold a number's forms: read with the metadata, never without.
    await phoneNumbersReady;
    const tx = this.db.transaction(['calls', 'search'], 'readwrite', { durability: 'relaxed' });
    const writes: Promise<unknown>[] = [tx.done];
    try {
      // The search entry is keyed by startedAt, which no write ever changes (a PBX fact set when
      // the record is created): putting it again replaces the old one.
      const latest = new Map(records.map((r) => [r.id, r]));
      for (const record of latest.values()) writes.push(...putBoth(tx, record, this.defaultCountry));
      await Promise.all(writes);
    } catch (error) {
      fail(tx, writes);
      throw storageError(error, 'the call record');
    }
  }

  /**
   * Adds the records whose id is not stored yet, in one transaction: all or none. Returns how many
   * were added. A full disk rejects with `QuotaExceeded` and leaves the store as it was.
   */
  async addMissing(records: CallRecord[]): Promise<number> {
    await phoneNumbersReady;
    const tx = this.db.transaction(['calls', 'search'], 'readwrite', { durability: 'relaxed' });
    const writes: Promise<unknown>[] = [tx.done];
    try {
      const calls = tx.objectStore('calls');
      const present = await Promise.all(records.map((r) => calls.getKey(r.id)));
      let added = 0;
      records.forEach((r, i) => {
        if (present[i] !== undefined) return;
        writes.push(...putBoth(tx, r, this.defaultCountry));
        added++;
      });
      await Promise.all(writes);
      return added;
    } catch (error) {
      fail(tx, writes);
      throw storageError(error, 'this batch of calls');
    }
  }

  get(id: string): Promise<CallRecord | undefined> {
    return this.db.get('calls', id);
  }

  /** Ended calls still in their wrap-up, soonest final first. */
  awaitingFinal(): Promise<CallRecord[]> {
    return this.db.getAllFromIndex('calls', 'wrapUntil');
  }

  /**
   * Writes a record with changes to the logging outbox, in one transaction: all or none. `queue`
   * deliveries are added or replaced; `done` ones ([callId, to]) deleted.
   */
  async putWithDeliveries(record: CallRecord, queue: Delivery[], done: [string, string][] = []): Promise<void> {
    await phoneNumbersReady;
    const tx = this.db.transaction(['calls', 'search', 'deliveries'], 'readwrite');
    const writes: Promise<unknown>[] = [tx.done, ...putBoth(tx, record, this.defaultCountry)];
    try {
      const deliveries = tx.objectStore('deliveries');
      for (const d of queue) writes.push(deliveries.put(d));
      for (const key of done) writes.push(deliveries.delete(key));
      await Promise.all(writes);
    } catch (error) {
      fail(tx, writes);
      throw storageError(error, 'the call record');
    }
  }

  /**
   * Deliveries in the order they fall due, at most `limit`, leaving out those to the destinations in
   * `paused` (a disconnected Gmail's backlog must not hold up the webhooks behind it).
   */
  async deliveries(limit = 100, paused: ReadonlySet<string> = new Set(), only?: string): Promise<Delivery[]> {
    if (!paused.size && only === undefined) return this.db.getAllFromIndex('deliveries', 'due', null, limit);
    const out: Delivery[] = [];
    let cursor = await this.db.transaction('deliveries').store.index('due').openCursor();
    while (cursor && out.length < limit) {
      const { to } = cursor.value;
      if (!paused.has(to) && (only === undefined || to === only)) out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out;
  }

  /** How many calls have a delivery waiting (a call logged to two destinations counts once). */
  async countCallsWaiting(): Promise<number> {
    return new Set((await this.db.getAllKeys('deliveries')).map(([callId]) => callId)).size;
  }

  /** The waiting deliveries, per destination. */
  async countDeliveriesTo(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    // Keys only: [callId, to].
    for (const [, to] of await this.db.getAllKeys('deliveries')) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  }

  async deleteDelivery(key: [string, string]): Promise<void> {
    await this.db.delete('deliveries', key);
  }

  countDeliveries(): Promise<number> {
    return this.db.count('deliveries');
  }

  allContacts(): Promise<StoredContact[]> {
    return this.db.getAll('contacts');
  }

  /** Writes contacts and deletes ids in one transaction: all or none. A full disk rejects with `QuotaExceeded`. */
  async putContacts(contacts: StoredContact[], deleted: string[] = []): Promise<void> {
    const tx = this.db.transaction('contacts', 'readwrite');
    const writes: Promise<unknown>[] = [tx.done];
    try {
      for (const c of contacts) writes.push(tx.store.put(c));
      for (const id of deleted) writes.push(tx.store.delete(id));
      await Promise.all(writes);
    } catch (error) {
      fail(tx, writes);
      throw storageError(error, 'the contacts');
    }
  }

  async putDelivery(delivery: Delivery): Promise<void> {
    await this.db.put('deliveries', delivery);
  }

  /**
   * The records of `keys` (search entry keys, newest first) when they are consecutive in time:
   * one range read of the time index instead of a read per record.
   */
  async getConsecutive(keys: EntryKey[]): Promise<CallRecord[]> {
    if (!keys.length) return [];
    const newest = -keys[0]![0];
    const oldest = -keys[keys.length - 1]![0];
    // [t] sorts before [t, any id]; [t, []] after it (arrays sort after strings).
    const found = await this.db.getAllFromIndex('calls', 'time', IDBKeyRange.bound([oldest], [newest, []]));
    const byId = new Map(found.map((r) => [r.id, r]));
    return keys.map((k) => byId.get(k[1])).filter((r): r is CallRecord => r !== undefined);
  }

  /** Records by id, in one short transaction; ids no longer stored are left out. */
  async getMany(ids: string[]): Promise<CallRecord[]> {
    const tx = this.db.transaction('calls');
    const found = await Promise.all(ids.map((id) => tx.store.get(id)));
    return found.filter((r): r is CallRecord => r !== undefined);
  }

  /** Newest first, at most `limit`, read with a cursor (never the whole store). */
  async recent(limit: number): Promise<CallRecord[]> {
    const out: CallRecord[] = [];
    let cursor = await this.db.transaction('calls').store.index('startedAt').openCursor(null, 'prev');
    while (cursor && out.length < limit) {
      out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out;
  }

  /** Records whose state is not `ended`: after a crash, these were interrupted. */
  async live(): Promise<CallRecord[]> {
    const index = this.db.transaction('calls').store.index('state');
    const found = await Promise.all(['ringing', 'dialing', 'active', 'held'].map((s) => index.getAll(s)));
    return found.flat();
  }

  count(): Promise<number> {
    return this.db.count('calls');
  }

  /**
   * Deletes ended records that started before `before`, oldest first, `batch` per transaction so
   * live calls' writes get their turn in between. Returns how many went.
   */
  async deleteEndedBefore(before: number, batch = 500): Promise<number> {
    let deleted = 0;
    let from: IDBKeyRange = IDBKeyRange.upperBound([before, ''], true);
    for (;;) {
      const tx = this.db.transaction(['calls', 'search'], 'readwrite');
      const calls = tx.objectStore('calls');
      const search = tx.objectStore('search');
      let cursor = await calls.index('time').openCursor(from);
      let seen = 0;
      let last: TimeKey | undefined;
      while (cursor && seen < batch) {
        const r = cursor.value;
        if (r.state === 'ended') {
          void cursor.delete();
          void search.delete([-r.startedAt, r.id]);
          deleted++;
        }
        last = [r.startedAt, r.id];
        seen++;
        cursor = await cursor.continue();
      }
      const more = cursor !== null && seen === batch;
      await tx.done;
      if (!more || !last) return deleted;
      from = IDBKeyRange.bound(last, [before, ''], true, true);
    }
  }

  getValue<T>(key: string): Promise<T | undefined> {
    return this.db.get('kv', key) as Promise<T | undefined>;
  }

  async setValue(key: string, value: unknown): Promise<void> {
    await this.db.put('kv', value, key);
  }

  async deleteValue(key: string): Promise<void> {
    await this.db.delete('kv', key);
  }

  close(): void {
    this.db.close();
  }
}

/** Rolls the transaction back (if it still can be) and silences its requests' rejections. */
function fail(tx: { abort(): void }, pending: Promise<unknown>[]): void {
  for (const p of pending) p.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    /* finished or aborted already */
  }
}
