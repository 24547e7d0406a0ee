/**
 * This hub's SIP instance id (RFC 5626 `+sip.instance`): a UUID made once and kept in the hub's own
 * IndexedDB. A panel framed by another site gets a storage partition of its own, so each such site has
 * its own hub and its own id; registering again from the same partition (a reload, a browser restart)
 * sends the same id with `reg-id=1`, and the registrar replaces that binding instead of adding one.
 */
import type { CallStore } from '../store/call-store.ts';

const KEY = 'sip-instance';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let kept: Promise<string> | undefined;

/** The stored id, or a new one stored for next time. */
export function sipInstanceId(store: Pick<CallStore, 'getValue' | 'setValue'>): Promise<string> {
  kept ??= (async () => {
    const stored = await store.getValue<unknown>(KEY);
    if (typeof stored === 'string' && UUID.test(stored)) return stored;
    const id = crypto.randomUUID();
    await store.setValue(KEY, id);
    return id;
  })();
  // A failed read is tried again on the next sign-in rather than remembered.
  kept.catch(() => (kept = undefined));
  return kept;
}
