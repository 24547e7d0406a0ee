// Prepended by the benchmarks to their own copy of the built hub.js (never to dist/). Posts on the
// BroadcastChannel `patchbay-bench`, in the hub's clock (performance.timeOrigin + performance.now()):
//   hub-boot: the worker's time origin, and when hub.js starts evaluating (fetched and compiled);
//   ws-new / ws-open: the hub constructs its WebSocket / the WebSocket is open;
// and for every incoming call (keyed by SIP Call-ID):
//   frame:  the WebSocket frame carrying the INVITE reaches the hub, before sip.js sees it (the
//           listener is added in the constructor, so it runs first);
//   put:    the hub asks IndexedDB to store the call's first record (IDBObjectStore.put);
//   commit: that transaction's `complete` event (the hub announces the call only after it).
// It also answers clock pings (kind 'ping' → 'pong' with its time), outside any timed path.
// Cost in the timed path: one startsWith() per frame, and per call a regex, a listener and two timers.
/* global self, performance, BroadcastChannel, IDBObjectStore, setTimeout */
{
  const now = () => performance.timeOrigin + performance.now();
  const channel = new BroadcastChannel('patchbay-bench');
  // Posting is deferred to a task of its own, so it never runs inside the path being timed.
  const post = (data) => setTimeout(() => channel.postMessage({ ...data, skew: now() - Date.now() }), 20);
  post({ kind: 'hub-boot', origin: performance.timeOrigin, t: now() });
  // Clock calibration for the pages (NTP-style): answer a ping at once with this clock's time.
  channel.onmessage = (e) => {
    if (e.data?.kind === 'ping') channel.postMessage({ kind: 'pong', id: e.data.id, t: now() });
  };

  const NativeWebSocket = self.WebSocket;
  self.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      post({ kind: 'ws-new', t: now() });
      super(...args);
      this.addEventListener('open', () => post({ kind: 'ws-open', t: now() }));
      this.addEventListener('message', (event) => {
        const t = now();
        if (typeof event.data !== 'string' || !event.data.startsWith('INVITE ')) return;
        const cid = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(event.data)?.[1];
        post({ kind: 'frame', cid, t });
      });
    }
  };

  const stored = new Set();
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, ...rest) {
    const cid = value && typeof value === 'object' ? value.sipCallId : undefined;
    if (typeof cid === 'string' && !stored.has(cid)) {
      stored.add(cid);
      const t = now();
      const tx = this.transaction;
      tx.addEventListener('complete', () => post({ kind: 'stored', cid, put: t, commit: now(), durability: tx.durability }));
    }
    return put.call(this, value, ...rest);
  };
}
