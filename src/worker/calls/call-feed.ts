/**
 * The hub's side of the call feed (shared/call-feed.ts), written once for tabs and apps: register
 * with the book, read the snapshot, send it with whatever changed meanwhile, then send each turn's
 * changes as one message, as deltas where the follower holds the version before.
 */
import type { CallChange, CallRecord } from '../../shared/api.ts';
import { FEED_KNOWN_CALLS, type FeedEvent, type FeedItem } from '../../shared/call-feed.ts';
import { getPath } from '../../shared/paths.ts';
import type { CallBook } from './call-book.ts';

export interface Feed {
  /** Sends a change that did not come from the book (an app's waiting changes). */
  push(event: Exclude<FeedEvent, { type: 'current' }>): void;
  /** Stops the feed. */
  close(): void;
}

/**
 * Opens a feed on `book`. `snapshot`: what the follower starts from (tabs: the recent calls; apps:
 * the calls in the cache). `send` gets one array of items per turn of the hub, the snapshot first.
 */
export function openFeed(
  book: CallBook,
  snapshot: () => Promise<CallRecord[]> | CallRecord[],
  send: (items: FeedItem[]) => void,
): Feed {
  /** The version of each call the follower was last sent, most recent last. */
  const known = new Map<string, number>();
  let pending: FeedItem[] | undefined;
  let started = false;
  let closed = false;

  const remember = (call: CallRecord, gone: boolean) => {
    known.delete(call.id);
    if (gone) return;
    known.set(call.id, call.version);
    if (known.size > FEED_KNOWN_CALLS) known.delete(known.keys().next().value!);
  };

  const item = (event: Exclude<FeedEvent, { type: 'current' }>): FeedItem => {
    const { call } = event;
    const delta = event.type === 'updated' && known.get(call.id) === call.version - 1;
    remember(call, event.type === 'closed');
    if (!delta) return { event };
    const values: Record<string, unknown> = {};
    const provenance: CallRecord['provenance'] = {};
    for (const path of event.changed) {
      const value = getPath(call, path);
      if (value !== undefined) values[path] = value;
      const p = call.provenance[path];
      if (p) provenance[path] = p;
    }
    return { delta: { id: call.id, version: call.version, changed: event.changed, values, provenance } };
  };

  const flush = () => {
    const batch = pending;
    pending = undefined;
    if (batch?.length && !closed) send(batch);
  };

  const push = (event: Exclude<FeedEvent, { type: 'current' }>) => {
    if (closed) return;
    if (!pending) {
      pending = [];
      if (started) queueMicrotask(flush);
    }
    pending.push(item(event));
  };

  // Registered before the snapshot is read, so nothing falls in between.
  const off = book.subscribe((change: CallChange) => {
    push({ type: change.type, call: change.call, changed: change.changed });
  });

  void Promise.resolve(snapshot()).then((calls) => {
    if (closed) return;
    for (const call of calls) remember(call, false);
    const meanwhile = pending ?? [];
    pending = undefined;
    started = true;
    send([{ snapshot: { calls, opened: book.openedIds() } }, ...meanwhile]);
  });

  return {
    push,
    close() {
      closed = true;
      off();
    },
  };
}
