// A hostile SIP-over-WebSocket "server" for robustness tests: it accepts the
// `sip` subprotocol, answers REGISTER with a proper 200 OK, and pushes a
// sequence of malformed or unexpected SIP frames at every client.
//
//   const bad = await startGarbageWs();
//   // point the phone at bad.url, let it connect (and register), then
//   // assert it survived, rendered the hostile display name as text, ...
//   bad.received(); // frames the client sent
//   await bad.close();
//
// To push chosen frames one at a time and read what the client answered to each instead, start
// it with `frames: () => []` and call `bad.exchange(frame)` once the client has registered.
import { WebSocketServer } from 'ws';
import { randomBytes } from 'node:crypto';

/** The display name carried by the hostile INVITE (valid as a quoted-string). */
export const HOSTILE_DISPLAY_NAME = '<img src=x onerror=alert(1)><script>alert(2)</script>';

const CRLF = '\r\n';

function parseMessage(text) {
  const [head] = text.split(/\r\n\r\n/, 1);
  // folded lines (RFC 3261 7.3.1) continue the header above them
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split(CRLF);
  const startLine = lines.shift() ?? '';
  const headers = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const compact = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length' };
  const get = (name) => {
    const wanted = name.toLowerCase();
    return headers.filter(([n]) => (compact[n.toLowerCase()] ?? n.toLowerCase()) === wanted).map(([, v]) => v);
  };
  const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(startLine);
  const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  return { startLine, method: request?.[1] ?? null, ruri: request?.[2] ?? null, status: status ? Number(status[1]) : null, get };
}

function uriOf(headerValue) {
  if (!headerValue) return null;
  const angle = /<([^>]+)>/.exec(headerValue);
  return (angle ? angle[1] : headerValue.split(';')[0]).trim();
}

function reply(msg, status, reason, extra = []) {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const via of msg.get('via')) lines.push(`Via: ${via}`);
  const to = msg.get('to')[0] ?? '';
  lines.push(`From: ${msg.get('from')[0] ?? ''}`);
  lines.push(`To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=gws${randomBytes(4).toString('hex')}`}`);
  lines.push(`Call-ID: ${msg.get('call-id')[0] ?? ''}`);
  lines.push(`CSeq: ${msg.get('cseq')[0] ?? ''}`);
  lines.push(...extra);
  lines.push('Server: garbage-ws');
  lines.push('Content-Length: 0');
  return lines.join(CRLF) + CRLF + CRLF;
}

function ack(response) {
  const top = response.get('via')[0] ?? '';
  return [
    `ACK ${uriOf(response.get('to')[0])} SIP/2.0`,
    `Via: ${top}`,
    'Max-Forwards: 70',
    `From: ${response.get('from')[0] ?? ''}`,
    `To: ${response.get('to')[0] ?? ''}`,
    `Call-ID: ${response.get('call-id')[0] ?? ''}`,
    `CSeq: ${(response.get('cseq')[0] ?? '').replace(/INVITE$/i, 'ACK')}`,
    'Content-Length: 0',
    '',
    '',
  ].join(CRLF);
}

/** An OPTIONS to the client: its answer shows the client still reads and answers. */
function probe(target, callId) {
  return [
    `OPTIONS ${target?.aor ?? 'sip:patchbay@127.0.0.1'} SIP/2.0`,
    `Via: SIP/2.0/WSS garbage.invalid;branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70',
    `From: <sip:probe@garbage.invalid>;tag=${randomBytes(4).toString('hex')}`,
    `To: <${target?.aor ?? 'sip:patchbay@127.0.0.1'}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join(CRLF);
}

/**
 * The frames sent to each client, in order. `target` is what we learned
 * from the client's REGISTER ({ aor, contact, viaHost }) or null.
 */
export function defaultFrames(target) {
  const branch = () => `z9hG4bK${randomBytes(6).toString('hex')}`;
  const callId = () => `${randomBytes(8).toString('hex')}@garbage.invalid`;
  const aor = target?.aor ?? 'sip:patchbay@127.0.0.1';
  const ruri = target?.contact ?? aor;
  const toUri = aor;
  // replies must carry the client's own Via sent-by, or it drops them unread
  const replyVia = () => `Via: SIP/2.0/WSS ${target?.viaHost ?? 'garbage.invalid'};branch=${branch()}`;
  return [
    // 1. binary junk (a binary frame)
    { name: 'binary-junk', data: Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x13, 0x37, 0x0d, 0x0a, 0x00, 0x01, ...randomBytes(48)]), binary: true },
    // 2. truncated status line
    { name: 'truncated-status-line', data: 'SIP/2.0 20' },
    // 3. a header line without a colon
    {
      name: 'header-without-colon',
      data: [
        'SIP/2.0 200 OK',
        replyVia(),
        'This header line has no colon at all',
        'From: <sip:nobody@garbage.invalid>;tag=a',
        `To: <${toUri}>;tag=b`,
        `Call-ID: ${callId()}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
    },
    // 4. Content-Length far beyond the frame
    {
      name: 'huge-content-length',
      data: [
        `MESSAGE ${ruri} SIP/2.0`,
        `Via: SIP/2.0/WSS garbage.invalid;branch=${branch()}`,
        'Max-Forwards: 70',
        'From: <sip:nobody@garbage.invalid>;tag=cl',
        `To: <${toUri}>`,
        `Call-ID: ${callId()}`,
        'CSeq: 1 MESSAGE',
        'Content-Type: text/plain',
        'Content-Length: 99999999',
        '',
        'hello',
      ].join(CRLF),
    },
    // 5. a well-formed reply that matches no transaction
    {
      name: 'stray-reply',
      data: [
        'SIP/2.0 200 OK',
        replyVia(),
        'From: <sip:nobody@garbage.invalid>;tag=stray',
        `To: <${toUri}>;tag=stray2`,
        `Call-ID: ${callId()}`,
        'CSeq: 4711 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
    },
    // 6. a syntactically valid INVITE whose display name is HTML
    {
      name: 'html-display-name-invite',
      data: [
        `INVITE ${ruri} SIP/2.0`,
        `Via: SIP/2.0/WSS garbage.invalid;branch=${branch()}`,
        'Max-Forwards: 70',
        `From: "${HOSTILE_DISPLAY_NAME}" <sip:evil@garbage.invalid>;tag=xss${randomBytes(3).toString('hex')}`,
        `To: <${toUri}>`,
        `Call-ID: ${callId()}`,
        'CSeq: 1 INVITE',
        'Contact: <sip:evil@garbage.invalid;transport=ws>',
        'Subject: <b>bold</b> "quoted" & ampersand',
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
    },
  ];
}

/**
 * @param {object} [options]
 * @param {number} [options.port=0]          listen port on 127.0.0.1 (0 = any free one)
 * @param {number} [options.delayMs=50]      pause between garbage frames
 * @param {number} [options.waitForRegisterMs=1000] how long to wait for a REGISTER
 *        (to learn the client's AOR and Contact) before the garbage starts
 * @param {(target) => Array<{name, data, binary?}>} [options.frames] frames to send
 * @param {number} [options.expires=600]     expires granted to REGISTER
 * @returns {Promise<{ url, port, received(): number, messages(): string[], sent(): string[], close(): Promise<void> }>}
 */
export async function startGarbageWs(options = {}) {
  const delayMs = options.delayMs ?? 50;
  const waitForRegisterMs = options.waitForRegisterMs ?? 1000;
  const makeFrames = options.frames ?? defaultFrames;
  const expires = options.expires ?? 600;

  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });

  const received = [];
  const sent = [];
  /** The client that registered last, and what we learned from its REGISTER. */
  let current = null;
  const waiters = new Set();
  const timers = new Set();
  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  wss.on('connection', (ws) => {
    let target = null;
    let started = false;
    const send = (data, binary = false, name = 'reply') => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(data, { binary });
      sent.push(name);
    };
    const startGarbage = () => {
      if (started) return;
      started = true;
      const frames = makeFrames(target);
      frames.forEach((frame, i) => later(delayMs * (i + 1), () => send(frame.data, !!frame.binary, frame.name)));
    };

    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data).toString('latin1') : data.toString();
      received.push(text);
      for (const waiter of waiters) waiter();
      if (/^\s*$/.test(text)) return; // CRLF keep-alive
      const msg = parseMessage(text);
      if (!msg.method) {
        // A final non-2xx answer to an INVITE is acknowledged (RFC 3261 17.1.1.3), as a peer would.
        if (msg.status >= 300 && /\bINVITE$/i.test(msg.get('cseq')[0] ?? '')) send(ack(msg), false, 'ACK');
        return;
      }
      if (msg.method === 'REGISTER') {
        const contactHeader = msg.get('contact')[0] ?? '';
        const wantedExpires = /expires=(\d+)/i.exec(contactHeader)?.[1] ?? msg.get('expires')[0] ?? String(expires);
        const granted = Math.min(Number(wantedExpires), expires);
        const contact = contactHeader ? `Contact: ${contactHeader.replace(/;\s*expires=\d+/i, '')};expires=${granted}` : null;
        send(reply(msg, 200, 'OK', contact ? [contact, `Expires: ${granted}`] : [`Expires: ${granted}`]), false, '200 REGISTER');
        if (!target && granted > 0) {
          const viaHost = /^SIP\/2\.0\/\S+\s+([^;:\s]+)/i.exec(msg.get('via')[0] ?? '')?.[1] ?? null;
          target = { aor: uriOf(msg.get('to')[0]), contact: uriOf(contactHeader), viaHost };
          current = { ws, target, send };
          startGarbage();
        }
        return;
      }
      if (msg.method === 'ACK') return;
      send(reply(msg, 501, 'Not Implemented'), false, `501 ${msg.method}`);
    });
    ws.on('error', () => {});
    later(waitForRegisterMs, startGarbage);
  });

  /** Resolves once `check()` is true after a frame from the client, or with false after `ms`. */
  const waitFor = (check, ms) =>
    new Promise((resolve) => {
      if (check()) return resolve(true);
      const done = (value) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(value);
      };
      const waiter = () => check() && done(true);
      const timer = setTimeout(() => done(false), ms);
      waiters.add(waiter);
    });

  let probes = 0;
  const port = wss.address().port;
  return {
    /** What the last registered client told us of itself ({ aor, contact, viaHost }), or null. */
    target: () => current?.target ?? null,
    /** Resolves once a client has registered. */
    registered: (ms = 15000) => waitFor(() => !!current, ms),
    /**
     * Sends one frame to the last registered client, then an OPTIONS probe, and returns the client's
     * messages that came back before the probe's answer (its answers to the frame; sip.js answers in
     * the order it reads) and whether the probe was answered within `timeoutMs`.
     * @param {{ data: string | Buffer, binary?: boolean, name?: string }} frame
     * @returns {Promise<{ replies: { text: string, status: number | null, callId: string | null }[], probeAnswered: boolean }>}
     */
    async exchange(frame, { timeoutMs = 5000 } = {}) {
      if (!current) throw new Error('no client has registered');
      const from = received.length;
      current.send(frame.data, !!frame.binary, frame.name ?? 'frame');
      const callId = `probe-${++probes}-${randomBytes(4).toString('hex')}@garbage.invalid`;
      current.send(probe(current.target, callId), false, 'probe OPTIONS');
      const answered = (t) => parseMessage(t).get('call-id')[0] === callId && parseMessage(t).status !== null;
      const probeAnswered = await waitFor(() => received.slice(from).some(answered), timeoutMs);
      const replies = received
        .slice(from)
        .filter((t) => !/^\s*$/.test(t))
        .map((text) => ({ text, msg: parseMessage(text) }))
        .filter(({ msg }) => msg.get('call-id')[0] !== callId && msg.method !== 'REGISTER')
        .map(({ text, msg }) => ({ text, status: msg.status, callId: msg.get('call-id')[0] ?? null }));
      return { replies, probeAnswered };
    },
    url: `ws://127.0.0.1:${port}`,
    port,
    /** Number of frames (SIP messages, keep-alives) the clients sent. */
    received: () => received.length,
    /** The frames the clients sent, as text. */
    messages: () => [...received],
    /** Names of the frames sent to clients so far. */
    sent: () => [...sent],
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
