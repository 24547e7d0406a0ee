import { expect } from 'chai';
import type { FeedItem } from '../../src/shared/call-feed.ts';
import type { TabApi } from '../../src/shared/api.ts';
import { newCallRecord } from '../../src/worker/calls/call-state.ts';
import { Hub } from '../../src/worker/hub-core.ts';
import { createTabApi } from '../../src/worker/tab-api.ts';

let n = 0;

describe('TabApi', () => {
  let hub: Hub;
  let api: TabApi;

  beforeEach(async () => {
    hub = await Hub.start('build-a', `test-tab-api-${Date.now()}-${n++}`);
    api = createTabApi(Promise.resolve(hub));
  });

  afterEach(() => hub.store.close());

  it('tells a tab from another build that the hub is stale', async () => {
    const control = { reload() {} };
    const reply = await api.hello(crypto.randomUUID(), 'build-a', control);
    expect({ ...reply, hubLock: undefined }).to.deep.equal({ hubBuild: 'build-a', stale: false, hubLock: undefined });
    // The hub's life lock is held (by the hub) and named in the reply, for the tab to wait on.
    const { held } = await navigator.locks.query();
    expect(held?.some((lock) => lock.name === reply.hubLock)).to.equal(true);
    const other = createTabApi(Promise.resolve(hub));
    expect((await other.hello(crypto.randomUUID(), 'build-b', control)).stale).to.equal(true);
  });

  it('a subscriber gets the current state first, then deltas', async () => {
    await hub.book.create(newCallRecord({
      id: 'x1', sipCallId: 'x1@h', direction: 'inbound', secure: false, at: Date.now() - 1000,
      remote: { number: '1002', uri: 'sip:1002@pbx' }, local: { uri: 'sip:1001@pbx' },
    }));
    const seen: FeedItem[] = [];
    const off = await api.subscribe((items) => seen.push(...items));
    for (let i = 0; i < 100 && !seen.length; i++) await new Promise((r) => setTimeout(r, 10));
    const first = seen[0]!;
    expect('snapshot' in first && first.snapshot.calls.map((c) => c.id)).to.deep.equal(['x1']);
    await hub.book.transition('x1', { type: 'answered' });
    // The tab holds version 1 from the snapshot: the change comes as a delta of the state.
    const second = seen[1]!;
    expect('delta' in second && second.delta.changed).to.include('state');
    expect(seen).to.have.length(2);
    off();
    await hub.book.transition('x1', { type: 'held' });
    expect(seen).to.have.length(2);
  });

  it('status subscribers hear the current status at once', async () => {
    const states: string[] = [];
    await api.subscribeStatus((s) => states.push(s.state));
    expect(states).to.deep.equal(['signed-out']);
  });

  it('refuses calls control without a session, with a named error', async () => {
    const e = await api.dial('1002').catch((x: Error) => x);
    expect((e as Error).name).to.equal('NotSignedIn');
    const f = await api.answer('nope').catch((x: Error) => x);
    expect((f as Error).name).to.equal('CallNotFound');
  });

  it('refuses a malformed server URL before touching the network', async () => {
    const e = await api.signIn({ server: 'http://example.com', aor: 'sip:1001@example.com', password: 'x' }).catch((x: Error) => x);
    expect((e as Error).name).to.equal('InvalidArgument');
    expect((e as Error).message).to.match(/ws:\/\/ or wss:\/\//);
  });

  it('settings are validated, kept, and pushed to every tab in the status', async () => {
    const seen: Array<boolean | undefined> = [];
    await api.subscribeStatus((st) => seen.push(st.settings.ringtone));
    expect(await api.settings()).to.deep.equal({ ringtone: true });
    await api.updateSettings({ ringtone: false, defaultCountry: 'gb' });
    expect(seen.at(-1)).to.equal(false);
    const bad = await api.updateSettings({ defaultCountry: 'Great Britain' }).catch((x: Error) => x);
    expect((bad as Error).name).to.equal('InvalidArgument');
    expect(await hub.store.getValue('settings')).to.deep.equal({ ringtone: false, defaultCountry: 'GB' });
  });
});
