import { expect } from 'chai';
import { TabHostedHub } from '../../src/components/hub-link.ts';
import { isHubAnnouncement, isHubPortDelivery, isHubPortRequest } from '../../src/shared/hub-relay.ts';

/**
 * Several "tabs" in one page: each a TabHostedHub with its own signal (aborting it is closing the tab),
 * real Web Locks, a real BroadcastChannel and real dedicated workers. The service worker's relay is a
 * table from address to the tab's port listener; `lose` drops the next ports sent, as a relay to a tab
 * that just closed would.
 */
function world() {
  const name = crypto.randomUUID();
  const listeners = new Map<string, (hub: string, port: MessagePort) => void>();
  const workers: Worker[] = [];
  let lose = 0;
  let started = 0;
  const tab = (label: string) => {
    const controller = new AbortController();
    const links: { port: MessagePort; hub: string }[] = [];
    const link = new TabHostedHub({
      lockName: `lock-${name}`,
      channelName: `channel-${name}`,
      signal: controller.signal,
      // A worker that answers each ping on each port with its own name.
      startWorker: () => {
        const id = `worker-${++started}`;
        const source = `onmessage = (e) => { const p = e.ports[0]; if (e.data?.patchbay !== 'hub-connect' || !p) return;
          p.onmessage = (m) => p.postMessage({ worker: ${JSON.stringify(id)}, echo: m.data }); };`;
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
        workers.push(worker);
        return worker;
      },
      address: () => Promise.resolve(label),
      sendPort: async (host, hub, port) => {
        if (lose > 0) {
          lose--;
          return;
        }
        setTimeout(() => listeners.get(host)?.(hub, port));
      },
      onPort: (listener) => void listeners.set(label, listener),
      onHub: (port, hub) => void links.push({ port, hub }),
    });
    /** Which worker the tab's newest port reaches. */
    const ping = () => {
      const last = links[links.length - 1];
      if (!last) return Promise.resolve(undefined);
      return new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 1000);
        last.port.onmessage = (m: MessageEvent<{ worker: string; echo: string }>) => {
          clearTimeout(timer);
          resolve(m.data.echo === label ? m.data.worker : undefined);
        };
        last.port.postMessage(label);
      });
    };
    return { label, link, links, ping, close: () => controller.abort() };
  };
  return {
    tab,
    lose: (n: number) => (lose = n),
    /** What the relay does with a port for `label`'s tab. */
    deliver: (label: string, hub: string, port: MessagePort) => listeners.get(label)?.(hub, port),
    end: () => workers.forEach((w) => w.terminate()),
  };
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the tab-hosted hub (no SharedWorker)', () => {
  it('elects one host, and every tab reaches the one worker it runs', async () => {
    const w = world();
    const tabs = ['a', 'b', 'c'].map((l) => w.tab(l));
    try {
      const reached = await Promise.all(tabs.map((t) => until(t.ping, `tab ${t.label} reaching a hub`)));
      expect(new Set(reached).size).to.equal(1);
      expect(tabs.filter((t) => t.link.hosted)).to.have.length(1);
      expect(tabs[0]!.link.hosted).to.not.equal(undefined, 'the first tab to ask is elected');
    } finally {
      tabs.forEach((t) => t.close());
      w.end();
    }
  });

  it('when the host closes, the next tab starts a new hub and the others follow it', async () => {
    const w = world();
    const tabs = ['a', 'b', 'c'].map((l) => w.tab(l));
    try {
      const first = await until(tabs[2]!.ping, 'a hub');
      const host = tabs.find((t) => t.link.hosted)!;
      host.close();
      const rest = tabs.filter((t) => t !== host);
      const next = await Promise.all(rest.map((t) => until(async () => {
        const worker = await t.ping();
        return worker && worker !== first ? worker : undefined;
      }, `tab ${t.label} reaching the new hub`)));
      expect(next[0]).to.equal(next[1]);
      expect(rest.filter((t) => t.link.hosted)).to.have.length(1);
      expect(rest.every((t) => t.links.length === 2)).to.equal(true, 'each follower linked once per hub');
    } finally {
      tabs.forEach((t) => t.close());
      w.end();
    }
  });

  it('a port lost on the way is asked for again with retry', async () => {
    const w = world();
    const a = w.tab('a');
    try {
      await until(a.ping, 'the host reaching its hub');
      w.lose(1);
      const b = w.tab('b');
      await until(() => b.link.current, 'b told of the hub');
      expect(await b.ping()).to.equal(undefined, 'the lost port reaches nothing');
      b.link.retry(b.link.current!);
      expect(await until(b.ping, 'b reaching the hub after asking again')).to.equal(await a.ping());
      b.close();
    } finally {
      a.close();
      w.end();
    }
  });

  it('the host serves a port only for the hub it runs now', async () => {
    const w = world();
    const a = w.tab('a');
    try {
      const worker = await until(a.ping, 'the host reaching its hub');
      const answer = (hub: string) => {
        const { port1, port2 } = new MessageChannel();
        w.deliver('a', hub, port2);
        return new Promise<string | undefined>((resolve) => {
          setTimeout(() => resolve(undefined), 500);
          port1.onmessage = (m: MessageEvent<{ worker: string }>) => resolve(m.data.worker);
          port1.postMessage('ping');
        });
      };
      expect(await answer('a-hub-that-is-gone')).to.equal(undefined);
      expect(await answer(a.link.hosted!.hub)).to.equal(worker);
    } finally {
      a.close();
      w.end();
    }
  });
});

describe('the tab-hosted hub messages', () => {
  it('accept only well-formed messages', () => {
    expect(isHubAnnouncement({ patchbay: 'hub-here', hub: 'h', host: 'c' })).to.equal(true);
    expect(isHubAnnouncement({ patchbay: 'hub-here', hub: 'h' })).to.equal(false, 'no host');
    expect(isHubAnnouncement({ patchbay: 'hub-where' })).to.equal(true);
    expect(isHubAnnouncement(null)).to.equal(false);
    expect(isHubPortRequest({ patchbay: 'hub-port', leader: 'c', hub: 'h' })).to.equal(true);
    expect(isHubPortRequest({ patchbay: 'hub-port', leader: '', hub: 'h' })).to.equal(false, 'an empty id');
    expect(isHubPortRequest({ patchbay: 'hub-port', leader: 'x'.repeat(101), hub: 'h' })).to.equal(false, 'an overlong id');
    expect(isHubPortRequest({ patchbay: 'hub-port', leader: 7, hub: 'h' })).to.equal(false);
    expect(isHubPortDelivery({ patchbay: 'hub-port', hub: 'h' })).to.equal(true);
    expect(isHubPortDelivery({ patchbay: 'ring', hub: 'h' })).to.equal(false);
  });
});
