// The hub's SharedWorker seen through Chrome's DevTools protocol: playwright has no handle on
// SharedWorkers, so the browser is started with a DevTools port and the worker's own target is
// reached over a WebSocket. Used to read the hub's JS heap.
import { createServer } from 'node:net';
import WebSocket from 'ws';

/** A free TCP port on loopback, for `--remote-debugging-port`. */
export async function devtoolsPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The hub's DevTools target, in `/json/list`. */
export const isHub = (target) => target.type === 'shared_worker' && /\/hub\.js$/.test(target.url);

/**
 * A DevTools connection to the running hub, or undefined while there is none.
 * @param {number} port the browser's `--remote-debugging-port`
 */
export async function hubDevtools(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find(isHub);
  if (!target) return undefined;
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
  const send = (method, params = {}) => new Promise((resolve, reject) => {
    const n = ++id;
    waiting.set(n, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
    ws.send(JSON.stringify({ id: n, method, params }));
  });
  return {
    send,
    /** The hub's used JS heap in bytes, after a full garbage collection (what it really holds). */
    async heap() {
      await send('HeapProfiler.collectGarbage');
      return (await send('Runtime.getHeapUsage')).usedSize;
    },
    close: () => ws.close(),
  };
}

/**
 * Samples the hub's heap (after a forced GC) every `everyMs` until `stop()`, which resolves with the
 * samples: `{ at, bytes }`, `at` in epoch ms.
 */
export function sampleHubHeap(hub, everyMs = 3000) {
  const samples = [];
  let stopped = false;
  let wake;
  const loop = (async () => {
    while (!stopped) {
      samples.push({ at: Date.now(), bytes: await hub.heap() });
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, everyMs);
      });
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      samples.push({ at: Date.now(), bytes: await hub.heap() });
      return samples;
    },
  };
}
