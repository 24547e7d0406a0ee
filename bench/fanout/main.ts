/**
 * Subscribers of the real hub, for the fan-out benchmark. `fanout.html?subs=K` connects K times to
 * the hub (the built `hub.js`, the app's SharedWorker name), each connection as a tab does: its own
 * port, its own `tab-<id>` Web Lock held for the page's life, hello, then `subscribe`. Each callback
 * records when a change arrives and reports it through the `__benchReport` binding. No rendering, no
 * media role. With subs=0 the page only holds the hub open, signs in, and relays what the hub probe
 * posts (BroadcastChannel `patchbay-bench`, see hub-probe.js) when asked to (`listenFrames()`).
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { SignInOptions, TabApi } from '../../src/shared/api.ts';
import type { FeedItem } from '../../src/shared/call-feed.ts';

declare global {
  interface Window {
    __benchReport?: (data: unknown) => void;
    fanout: {
      ready: Promise<void>;
      signIn(options: SignInOptions): Promise<void>;
      listenFrames(): void;
      calibrate(rounds?: number): Promise<{ offset: number; rtt: number }>;
    };
  }
}

const now = () => performance.timeOrigin + performance.now();
// Callbacks only note the time; reports leave in a later task, so that calling the binding (a
// round trip to the benchmark) never delays the next callback.
const pending: Record<string, unknown>[] = [];
let flushing = false;
const report = (data: Record<string, unknown>) => {
  pending.push(data);
  if (flushing) return;
  flushing = true;
  setTimeout(() => {
    flushing = false;
    const skew = now() - Date.now();
    for (const d of pending.splice(0)) window.__benchReport?.({ ...d, skew });
  }, 50);
};
const subs = Number(new URLSearchParams(location.search).get('subs') ?? '1');

function connect(index: number, subscribe: boolean): { api: Remote<TabApi>; ready: Promise<void> } {
  const worker = new SharedWorker(new URL('hub.js', document.baseURI), { type: 'module', name: 'patchbay-hub' });
  const api = wrap<TabApi>(worker.port);
  const tabId = crypto.randomUUID();
  const ready = new Promise<void>((resolve, reject) => {
    void navigator.locks.request(`tab-${tabId}`, async () => {
      try {
        await api.hello(tabId, 'bench', proxy({ reload: () => undefined }));
        if (subscribe) {
          await api.subscribe(
            proxy((items: FeedItem[]) => {
              const t = now();
              for (const item of items) {
                if ('event' in item) report({ kind: item.event.type, t, cid: item.event.call.sipCallId, sub: index });
                else if ('delta' in item) report({ kind: 'updated', t, cid: item.delta.id, sub: index });
              }
            }),
          );
        }
        resolve();
      } catch (error) {
        reject(error as Error);
      }
      await new Promise(() => undefined);
    });
  });
  return { api, ready };
}

const connections = subs > 0 ? Array.from({ length: subs }, (_, i) => connect(i, true)) : [connect(0, false)];
const ready = Promise.all(connections.map((c) => c.ready)).then(() => {
  document.querySelector('[role=status]')!.textContent = `${subs} subscription(s)`;
});

window.fanout = {
  ready,
  signIn: (options) => connections[0]!.api.signIn(options),
  /**
   * The hub's clock minus this page's (ms), from the ping with the shortest round trip through the
   * hub probe: offset = t_hub − (t_sent + t_back) / 2, good to ± rtt / 2.
   */
  async calibrate(rounds = 30) {
    const channel = new BroadcastChannel('patchbay-bench');
    let best = { offset: NaN, rtt: Infinity };
    for (let i = 0; i < rounds; i++) {
      const id = crypto.randomUUID();
      const sent = now();
      const hub = await new Promise<number>((resolve) => {
        channel.onmessage = (e: MessageEvent<{ kind: string; id: string; t: number }>) => {
          if (e.data.kind === 'pong' && e.data.id === id) resolve(e.data.t);
        };
        channel.postMessage({ kind: 'ping', id });
      });
      const back = now();
      if (back - sent < best.rtt) best = { offset: hub - (sent + back) / 2, rtt: back - sent };
      await new Promise((r) => setTimeout(r, 5));
    }
    channel.close();
    return best;
  },
  listenFrames() {
    new BroadcastChannel('patchbay-bench').onmessage = (e: MessageEvent<Record<string, unknown>>) => window.__benchReport?.(e.data);
  },
};
