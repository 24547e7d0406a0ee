import { expect } from 'chai';
import type { MediaHost } from '../../src/shared/api.ts';
import { MediaBridge } from '../../src/worker/sip/media-bridge.ts';

/** A tab holding the media role, recording what the hub asked of it. */
function fakeTab(name: string) {
  const calls: string[] = [];
  const api: MediaHost = {
    getDescription: async (callId) => (calls.push(`offer ${callId}`), `sdp from ${name}`),
    setDescription: async (callId) => void calls.push(`answer ${callId}`),
    rollback: async (callId) => void calls.push(`rollback ${callId}`),
    sendDtmf: async () => true,
    setMuted: async (callId, muted) => void calls.push(`muted ${callId} ${muted}`),
    close: async (callId) => void calls.push(`close ${callId}`),
    ring: async () => undefined,
  };
  return { api, calls };
}

async function rejection(p: Promise<unknown>): Promise<Error | undefined> {
  return p.then(() => undefined, (e: Error) => e);
}

describe('media bridge', () => {
  it('waits a bounded time for a tab to take the media role, then fails by name', async () => {
    const bridge = new MediaBridge(60);
    const started = Date.now();
    const error = await rejection(bridge.handler('c1').getDescription());
    expect(error?.name).to.equal('NoMediaTab');
    expect(error?.message).to.match(/open Patchbay in a tab/);
    expect(Date.now() - started).to.be.within(50, 1000);
    expect(await rejection(bridge.setMuted('c1', true))).to.have.property('name', 'NoMediaTab');
  });

  it('a tab that takes the role within the wait gets the offer, and a wait that timed out stays failed', async () => {
    const bridge = new MediaBridge(200);
    const late = new MediaBridge(20);
    const tab = fakeTab('A');
    const offer = bridge.handler('c1').getDescription();
    const missed = late.handler('c1').getDescription().then(() => 'offered', (e: Error) => e.name);
    await new Promise((r) => setTimeout(r, 40));
    bridge.setHost('tab-a', tab.api);
    late.setHost('tab-a', fakeTab('late').api);
    expect(await offer).to.deep.equal({ body: 'sdp from A', contentType: 'application/sdp' });
    expect(tab.calls).to.deep.equal(['offer c1']);
    expect(await missed).to.equal('NoMediaTab');
  });

  it('rolls back an offer in the tab that made it', async () => {
    const bridge = new MediaBridge(50);
    const tab = fakeTab('A');
    bridge.setHost('tab-a', tab.api);
    const handler = bridge.handler('c1');
    await handler.getDescription();
    await handler.rollbackDescription();
    expect(tab.calls).to.deep.equal(['offer c1', 'rollback c1']);
  });

  it('never rolls back in a tab that did not make the offer', async () => {
    const bridge = new MediaBridge(50);
    const a = fakeTab('A');
    const b = fakeTab('B');
    bridge.setHost('tab-a', a.api);

    // Nothing offered yet: nothing to roll back.
    const fresh = bridge.handler('c0');
    await fresh.rollbackDescription();
    expect(a.calls).to.deep.equal([]);

    // The media role moved to another tab after the offer.
    const moved = bridge.handler('c1');
    await moved.getDescription();
    bridge.setHost('tab-b', b.api);
    await moved.rollbackDescription();
    expect(b.calls).to.deep.equal([]);

    // The same tab reclaimed the role (it reloaded): its new connection made no offer.
    const reloaded = bridge.handler('c2');
    await reloaded.getDescription();
    bridge.setHost('tab-b', b.api);
    await reloaded.rollbackDescription();
    expect(b.calls).to.deep.equal(['offer c2']);

    // The tab closed and none took its place: nothing to roll back, and no wait.
    const gone = bridge.handler('c3');
    await gone.getDescription();
    bridge.dropTab('tab-b');
    await gone.rollbackDescription();
    expect(a.calls).to.deep.equal(['offer c1']);
    expect(b.calls).to.deep.equal(['offer c2', 'offer c3']);
  });
});
