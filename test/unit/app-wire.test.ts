// The app protocol is Comlink's wire format for method calls, pinned to one exact Comlink version
// (package.json). This is the contract that pin protects: what `Comlink.wrap` (the SDK's client) sends for
// a method call is exactly what the hub's app API accepts, and what the hub answers is what Comlink
// reads, values and named errors alike. A Comlink release that changes its wire fails here first.
import { expect } from 'chai';
import { wrap, type Endpoint, type ProxyMarked } from 'comlink';
import type { CallRecord } from '../../src/shared/api.ts';
import { AppOutbox } from '../../src/worker/apps/app-outbox.ts';
import { serveApp, type AppHost } from '../../src/worker/apps/app-api.ts';
import { freshBook, record } from './book-fixtures.ts';

interface Wire {
  hello(): { id: string; grants: string[] };
  // Method groups, as the SDK declares them: Comlink reaches their methods by path.
  calls: ProxyMarked & { get(id: string): CallRecord; list(o?: { live?: boolean }): CallRecord[] };
}

async function connect() {
  const { book, store } = await freshBook('test-wire');
  await book.create(record('call-1'));
  const app = { id: 'crm', name: 'CRM', url: 'https://crm.example/', grants: ['read'], source: 'admin' as const, origin: 'https://crm.example' };
  const host = { book, outbox: new AppOutbox(store), dialRequests: {}, app: (id: string) => (id === 'crm' ? app : undefined) } as unknown as AppHost;
  const channel = new MessageChannel();
  serveApp(channel.port1, 'crm', host);
  const sent: unknown[] = [];
  // The SDK's side, recording what Comlink puts on the wire.
  const endpoint: Endpoint = {
    postMessage: (message: unknown, transfer?: Transferable[]) => {
      sent.push(message);
      channel.port2.postMessage(message, transfer ?? []);
    },
    addEventListener: channel.port2.addEventListener.bind(channel.port2),
    removeEventListener: channel.port2.removeEventListener.bind(channel.port2),
  };
  channel.port2.start();
  return { hub: wrap<Wire>(endpoint), sent };
}

describe('the app wire (Comlink, pinned)', () => {
  it('a method call goes out as the one message shape the hub accepts, and its value comes back', async () => {
    const { hub, sent } = await connect();
    const call = await hub.calls.get('call-1');
    expect(call.id).to.equal('call-1');
    expect(sent).to.have.length(1);
    const message = sent[0] as Record<string, unknown>;
    expect(Object.keys(message).sort()).to.deep.equal(['argumentList', 'id', 'path', 'type']);
    expect(message.type).to.equal('APPLY');
    expect(message.path).to.deep.equal(['calls', 'get']);
    expect(message.argumentList).to.deep.equal([{ type: 'RAW', value: 'call-1' }]);
    expect((await hub.hello()).id).to.equal('crm');
  });

  it('a refusal comes back as an error with its name', async () => {
    const { hub } = await connect();
    const error = (await hub.calls.get('nope').catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(Error);
    expect(error.name).to.equal('NotFound');
    expect(error.message).to.match(/No call with id nope/);
  });
});
