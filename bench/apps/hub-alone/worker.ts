// The hub's app path alone, in a worker: the real call book and store (IndexedDB) and the real app
// API on MessagePorts handed over by the page. No iframes, no other processes, no panel.
import type { CallRecord } from '../../../src/shared/api.ts';
import { serveApp, type AppHost } from '../../../src/worker/apps/app-api.ts';
import { AppOutbox } from '../../../src/worker/apps/app-outbox.ts';
import { CallBook } from '../../../src/worker/calls/call-book.ts';
import { newCallRecord } from '../../../src/worker/calls/call-state.ts';
import { CallStore } from '../../../src/worker/store/call-store.ts';

/** This worker's global scope, typed with the DOM lib the benchmarks are checked with. */
const scope = self as unknown as { onmessage: (e: MessageEvent<{ ids: string[] }>) => void; postMessage(message: unknown): void };

scope.onmessage = async (event) => {
  const store = await CallStore.open(`bench-hub-alone-${Date.now()}`);
  const book = new CallBook(store);
  const apps = new Map(event.data.ids.map((id) => [id, { id, name: id, url: 'https://apps.example/', grants: ['read'], source: 'admin' as const, origin: 'https://apps.example', rate: 1e9 }]));
  const hub = { book, outbox: new AppOutbox(store), phone: {}, app: (id: string) => apps.get(id) } as unknown as AppHost;
  const record: CallRecord = newCallRecord({
    id: 'call', sipCallId: 'call@bench', direction: 'inbound', secure: false, at: Date.now(),
    remote: { number: '+441632960123', uri: 'sip:+441632960123@pbx', displayName: 'Ada Lovelace' }, local: { uri: 'sip:1001@pbx' },
  });
  await book.create(record);
  event.data.ids.forEach((id, i) => {
    serveApp(event.ports[i]!, id, hub);
  });
  scope.postMessage('ready');
};
