/**
 * A WebSocket to the remembered sign-in's server, opened while the hub is still opening IndexedDB and
 * decrypting the sign-in: the first connect of the sign-in to that server adopts it (sip.js builds
 * its WebSocket inside `UserAgent.start()`, synchronously), so REGISTER leaves as soon as the
 * credentials are known rather than a WebSocket handshake later. A socket no sign-in adopts (the
 * remembered sign-in could not be read, or another server) is closed after `UNUSED_MS`.
 */
const UNUSED_MS = 10_000;

interface Early {
  server: string;
  ws: WebSocket;
  timer: ReturnType<typeof setTimeout>;
}

let early: Early | undefined;

/** Opens the WebSocket a sign-in to `server` will adopt (SIP over WebSocket: subprotocol `sip`). */
export function preconnect(server: string): void {
  if (early || !/^wss?:\/\/[^\s]+$/i.test(server)) return;
  let ws: WebSocket;
  try {
    ws = new WebSocket(server, 'sip');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    if (early?.ws === ws) early = undefined;
    ws.close();
  }, UNUSED_MS);
  early = { server, ws, timer };
}

/**
 * Runs `start`, which constructs sip.js's WebSocket to `server`; that construction gets the early
 * socket instead, if there is one to that server that is still connecting or open (an open one is
 * told `open` again once sip.js listens). Any other early socket is closed.
 */
export function withPreconnected<T>(server: string, start: () => T): T {
  const e = early;
  early = undefined;
  if (!e) return start();
  clearTimeout(e.timer);
  if (e.server !== server || e.ws.readyState > WebSocket.OPEN) {
    e.ws.close();
    return start();
  }
  const Native = self.WebSocket;
  let adopted = false;
  function Adopting(url: string | URL, protocols?: string | string[]): WebSocket {
    if (adopted || String(url) !== server || protocols !== 'sip') return new Native(url, protocols);
    adopted = true;
    if (e!.ws.readyState === WebSocket.OPEN) queueMicrotask(() => e!.ws.dispatchEvent(new Event('open')));
    return e!.ws;
  }
  Object.assign(Adopting, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  self.WebSocket = Adopting as unknown as typeof WebSocket;
  try {
    return start();
  } finally {
    self.WebSocket = Native;
    if (!adopted) e.ws.close();
  }
}
