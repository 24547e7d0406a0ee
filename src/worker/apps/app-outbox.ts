/**
 * What the user wrote while an app was not connected (its panel closed, or the network gone), kept in
 * IndexedDB per app and told to the app as `updated` events when it subscribes again. Apps that are
 * connected hear changes live and get nothing here.
 */
import type { CallChange } from '../../shared/api.ts';
import type { CallStore } from '../store/call-store.ts';
import { logger } from '../log.ts';

const log = logger('apps');
const KEY = 'app-outbox';
/** Calls kept per app; the oldest go first. */
const MAX_CALLS = 200;

/**
 * app id → call id → the fields the user changed; Maps, never plain objects keyed by app id (an id
 * like `constructor` would reach `Object.prototype`). Stored as nested entry lists.
 */
type Outbox = Map<string, Map<string, string[]>>;
type Stored = [string, [string, string[]][]][];

function load(stored: unknown): Outbox {
  const box: Outbox = new Map();
  // Written before Maps: a plain object of objects. Own keys only.
  const entries = Array.isArray(stored) ? (stored as Stored) : stored && typeof stored === 'object' ? Object.entries(stored as Record<string, Record<string, string[]>>).map(([k, calls]) => [k, Object.entries(calls ?? {})] as Stored[number]) : [];
  for (const [app, calls] of entries) {
    if (typeof app === 'string' && Array.isArray(calls)) box.set(app, new Map(calls.filter(([id, f]) => typeof id === 'string' && Array.isArray(f))));
  }
  return box;
}

const save = (box: Outbox): Stored => [...box].map(([app, calls]) => [app, [...calls]]);

export class AppOutbox {
  private connected = new Map<string, number>();
  private cache: Promise<Outbox>;
  private saving: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: CallStore) {
    this.cache = store.getValue<unknown>(KEY).then(load, () => new Map());
  }

  /** Counts an app's open connections: apps with none collect the user's changes. */
  connect(appId: string): () => void {
    this.connected.set(appId, (this.connected.get(appId) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.connected.get(appId) ?? 1) - 1;
      if (n > 0) this.connected.set(appId, n);
      else this.connected.delete(appId);
    };
  }

  /** Keeps a change the user made for every reading app that is not connected now. */
  note(change: CallChange, readers: string[]): void {
    if (change.type !== 'updated' || change.by !== 'user') return;
    const absent = readers.filter((id) => !this.connected.has(id));
    if (!change.changed.length || !absent.length) return;
    void this.update((box) => {
      for (const id of absent) {
        let calls = box.get(id);
        if (!calls) box.set(id, (calls = new Map()));
        const callId = change.call.id;
        const fields = new Set([...(calls.get(callId) ?? []), ...change.changed]);
        calls.delete(callId);
        calls.set(callId, [...fields]);
        for (const old of [...calls.keys()].slice(0, Math.max(0, calls.size - MAX_CALLS))) calls.delete(old);
      }
    });
  }

  /** Takes what is waiting for `appId` (call id → fields), and forgets it. */
  async take(appId: string): Promise<Map<string, string[]>> {
    let taken = new Map<string, string[]>();
    await this.update((box) => {
      taken = box.get(appId) ?? taken;
      box.delete(appId);
    });
    return taken;
  }

  /** Forgets an app that left the registry. */
  forget(appId: string): Promise<void> {
    return this.update((box) => void box.delete(appId));
  }

  private update(edit: (box: Outbox) => void): Promise<void> {
    const next = this.cache.then((box) => {
      edit(box);
      return box;
    });
    this.cache = next;
    this.saving = this.saving
      .then(() => next)
      .then((box) => this.store.setValue(KEY, save(box)))
      .catch((error: unknown) => log.warn('could not keep changes for apps that are away', error));
    return next.then(() => undefined);
  }
}
