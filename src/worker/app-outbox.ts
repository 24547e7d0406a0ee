/**
 * What the user wrote while an app was not connected (its panel closed, or the network gone), kept in
 * IndexedDB per app and told to the app as `updated` events when it subscribes again. Apps that are
 * connected hear changes live and get nothing here.
 */
import type { CallChange } from './api.ts';
import type { CallStore } from './call-store.ts';
import { logger } from './log.ts';

const log = logger('apps');
const KEY = 'app-outbox';
/** Calls kept per app; the oldest go first. */
const MAX_CALLS = 200;

/** app id → call id → the fields the user changed. */
type Outbox = Record<string, Record<string, string[]>>;

export class AppOutbox {
  private connected = new Map<string, number>();
  private cache: Promise<Outbox>;
  private saving: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: CallStore) {
    this.cache = store.getValue<Outbox>(KEY).then((o) => o ?? {}, () => ({}));
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
    if (change.type !== 'updated') return;
    const byUser = change.changed.filter((f) => change.call.provenance[f]?.by === 'user');
    const absent = readers.filter((id) => !this.connected.has(id));
    if (!byUser.length || !absent.length) return;
    void this.update((box) => {
      for (const id of absent) {
        const calls = (box[id] ??= {});
        const id2 = change.call.id;
        const fields = new Set([...(calls[id2] ?? []), ...byUser]);
        delete calls[id2];
        calls[id2] = [...fields];
        const ids = Object.keys(calls);
        for (const old of ids.slice(0, Math.max(0, ids.length - MAX_CALLS))) delete calls[old];
      }
    });
  }

  /** Takes what is waiting for `appId` (call id → fields), and forgets it. */
  async take(appId: string): Promise<Record<string, string[]>> {
    let taken: Record<string, string[]> = {};
    await this.update((box) => {
      taken = box[appId] ?? {};
      delete box[appId];
    });
    return taken;
  }

  private update(edit: (box: Outbox) => void): Promise<void> {
    const next = this.cache.then((box) => {
      edit(box);
      return box;
    });
    this.cache = next;
    this.saving = this.saving
      .then(() => next)
      .then((box) => this.store.setValue(KEY, box))
      .catch((error: unknown) => log.warn('could not keep changes for apps that are away', error));
    return next.then(() => undefined);
  }
}
