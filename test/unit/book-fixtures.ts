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

/** A call book over a database of its own; `now` and `retryMs` as the book takes them. */
export async function freshBook(prefix = 'test-book', options: { now?: () => number; retryMs?: number } = {}) {
  const name = `${prefix}-${Date.now()}-${n++}`;
  const store = await CallStore.open(name);
  return { store, book: new CallBook(store, options.now, options.retryMs), name };
}

/** Makes the store's writes fail as a full disk does, until `free()`; reads still work. */
export function fillDisk(store: CallStore) {
  const putMany = store.putMany.bind(store);
  let full = true;
  let failed = 0;
  store.putMany = async (records) => {
    if (!full) return putMany(records);
    failed++;
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
  return {
    free: () => void (full = false),
    get failed() {
      return failed;
    },
  };
}

/** Resolves once `check` holds, polling; fails the test after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
