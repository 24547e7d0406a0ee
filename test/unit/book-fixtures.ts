/** Call records and a call book on a throwaway database, for the module tests of the hub's memory. */
import type { CallRecord } from '../../src/shared/api.ts';
import { CallBook } from '../../src/worker/calls/call-book.ts';
import { newCallRecord } from '../../src/worker/calls/call-state.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';

let n = 0;

/** A new inbound call from `number` (ringing). */
export function record(id: string, at = Date.now(), number = '1002'): CallRecord {
  return newCallRecord({
    id, sipCallId: `${id}@host`, direction: 'inbound', secure: false, at,
    remote: { number, uri: `sip:${number}@pbx` }, local: { uri: 'sip:1001@pbx' },
  });
}

/** A call book over a database of its own. */
export async function freshBook(prefix = 'test-book') {
  const name = `${prefix}-${Date.now()}-${n++}`;
  const store = await CallStore.open(name);
  return { store, book: new CallBook(store), name };
}
