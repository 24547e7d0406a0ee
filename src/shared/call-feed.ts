/**
 * The one way calls are followed, by tabs and apps alike: a snapshot, then changes, each a whole record
 * or, when the follower holds the version just before, only what changed (a delta). The hub writes the
 * feed (worker/calls/call-feed.ts); followers keep a `CallMirror`.
 *
 * ```
 *  hub ── [snapshot, …changes that came meanwhile] ──▶ mirror   (first message)
 *      ── [change | delta, …] per turn of the hub ──▶ mirror    (then)
 *  delta for version n, mirror holds n − 1 ─▶ applied
 *  delta for version n, mirror holds anything else ─▶ `refetch(id)`, then told as `updated`
 * ```
 */
import type { CallRecord, FeedDelta, FeedEvent, FeedItem } from './api.ts';

export type { FeedDelta, FeedEvent, FeedItem } from './api.ts';
import { setPath } from './paths.ts';

/**
 * How many calls the hub remembers each follower's version of. A mirror keeps more
 * (`MIRROR_CALLS`), so every delta the hub sends finds its base.
 */
export const FEED_KNOWN_CALLS = 100;
export const MIRROR_CALLS = 150;

/**
 * A follower's copy of the calls it was told of, newest-touched last: at most `limit` ended ones (the
 * least recently touched go first; a delta for one dropped is read again). Calls in progress are
 * always kept.
 */
export class CallMirror {
  readonly calls = new Map<string, CallRecord>();
  /** Ids of the records opened for enrichment (or just ended), oldest first, as the hub keeps them. */
  opened: string[] = [];

  constructor(
    private readonly tell: (event: FeedEvent) => void,
    /** Reads a call again when a delta does not fit the copy (a version was missed). */
    private readonly refetch: (id: string) => Promise<CallRecord | undefined>,
    private readonly limit = MIRROR_CALLS,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  apply(items: readonly FeedItem[]): void {
    for (const item of items) {
      if ('snapshot' in item) {
        this.calls.clear();
        for (const call of item.snapshot.calls) this.keep(call);
        this.opened = [...item.snapshot.opened];
        for (const call of item.snapshot.calls) this.tell({ type: 'current', call, changed: [] });
      } else if ('event' in item) {
        const { event } = item;
        const id = event.call.id;
        // A change read before the snapshot was can arrive after it: never go back a version.
        const held = this.calls.get(id);
        if (held && held.version > event.call.version && event.type !== 'closed') continue;
        // A closed record left the hub's cache, not the history: the copy stays (recent calls show it).
        this.keep(event.call);
        // The hub keeps ended calls (for wrap-up) and opened records in its cache until closed.
        if (event.type === 'opened' || event.type === 'ended') this.opened = [...this.opened.filter((x) => x !== id), id];
        else if (event.type === 'closed') this.opened = this.opened.filter((x) => x !== id);
        this.tell(event);
      } else this.patch(item.delta);
    }
  }

  private patch(delta: FeedDelta): void {
    const base = this.calls.get(delta.id);
    if (!base || base.version !== delta.version - 1) {
      void this.refetch(delta.id).then(
        (call) => {
          if (!call) return;
          this.keep(call);
          this.tell({ type: 'updated', call, changed: delta.changed });
        },
        (error: unknown) => this.onError(error),
      );
      return;
    }
    let call: CallRecord = base;
    for (const path of delta.changed) call = setPath(call, path, delta.values[path]);
    const provenance = { ...base.provenance, ...delta.provenance };
    // A cleared field keeps no provenance.
    for (const path of delta.changed) if (!(path in delta.values)) delete provenance[path];
    call = { ...call, version: delta.version, provenance };
    this.keep(call);
    this.tell({ type: 'updated', call, changed: delta.changed });
  }

  private keep(call: CallRecord): void {
    this.calls.delete(call.id);
    this.calls.set(call.id, call);
    if (this.calls.size > this.limit) {
      for (const id of this.calls.keys()) {
        if (this.calls.size <= this.limit) break;
        if (this.calls.get(id)!.state === 'ended') this.calls.delete(id);
      }
    }
  }
}
