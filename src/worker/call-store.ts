/**
 * IndexedDB persistence for call records and hub settings (idb). Versioned schema: one
 * `if (oldVersion < n)` step per version; never await anything but IndexedDB inside a transaction.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CallRecord } from './api.ts';

export interface PatchbayDB extends DBSchema {
  calls: {
    key: string;
    value: CallRecord;
    indexes: { startedAt: number; state: string };
  };
  kv: {
    key: string;
    value: unknown;
  };
}

export const DB_NAME = 'patchbay';
export const DB_VERSION = 1;

export class CallStore {
  private constructor(private readonly db: IDBPDatabase<PatchbayDB>) {}

  static async open(name = DB_NAME): Promise<CallStore> {
    const db = await openDB<PatchbayDB>(name, DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          const calls = db.createObjectStore('calls', { keyPath: 'id' });
          calls.createIndex('startedAt', 'startedAt');
          calls.createIndex('state', 'state');
          db.createObjectStore('kv');
        }
      },
    });
    return new CallStore(db);
  }

  /**
   * Writes one record; resolves once the transaction has committed. `relaxed`: committed to the
   * operating system (it survives the browser or the tab crashing) without waiting for a disk flush,
   * which costs milliseconds on every ring.
   */
  async put(record: CallRecord): Promise<void> {
    const tx = this.db.transaction('calls', 'readwrite', { durability: 'relaxed' });
    await Promise.all([tx.store.put(record), tx.done]);
  }

  get(id: string): Promise<CallRecord | undefined> {
    return this.db.get('calls', id);
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
