// A minimal SIP caller over UDP on loopback: INVITE (with digest auth when challenged), then
// CANCEL, then ACK of the 487. Just enough to ring a user without a browser, so the caller costs
// the 2-core machine nothing while the callee's tabs are being measured.
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

const md5 = (s) => createHash('md5').update(s).digest('hex');
const token = (n = 8) => randomBytes(n).toString('hex');

function parse(text) {
  const [head, body = ''] = text.split('\r\n\r\n');
  const [start, ...lines] = head.split('\r\n');
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(i + 1).trim());
  }
  const m = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(start);
  const cseq = headers.cseq?.[0]?.split(/\s+/) ?? [];
  return {
    status: m ? Number(m[1]) : 0,
    reason: m?.[2] ?? '',
    method: m ? cseq[1] : start.split(' ')[0],
    cseq: Number(cseq[0]),
    callId: headers['call-id']?.[0],
    to: headers.to?.[0],
    header: (name) => headers[name.toLowerCase()]?.[0],
    body,
  };
}

function digest(challenge, { user, password, method, uri }) {
  const field = (k) => new RegExp(`${k}="?([^",]+)"?`, 'i').exec(challenge)?.[1];
  const realm = field('realm');
  const nonce = field('nonce');
  const qop = field('qop');
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  if (qop) {
    const cnonce = token(6);
    const nc = '00000001';
    const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  }
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${md5(`${ha1}:${nonce}:${ha2}`)}", algorithm=MD5`;
}

/**
 * @param {{ sipUdp: string, domain: string }} pbx what startPbx() returned
 * @param {{ user?: string, password?: string }} [who] the calling user (digest credentials)
 */
export async function startCaller(pbx, { user = '1010', password = `pw-${user}` } = {}) {
  const [pbxHost, pbxPort] = pbx.sipUdp.split(':');
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', resolve);
  });
  const port = socket.address().port;
  const calls = new Map(); // Call-ID -> handler
  socket.on('message', (buf) => {
    const msg = parse(buf.toString('utf8'));
    calls.get(msg.callId)?.(msg);
  });
  const send = (text) =>
    new Promise((resolve, reject) => socket.send(text, Number(pbxPort), pbxHost, (e) => (e ? reject(e) : resolve())));

  function sdp() {
    const id = Date.now();
    return [
      'v=0', `o=bench ${id} ${id} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      'm=audio 40000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', '',
    ].join('\r\n');
  }

  /**
   * Rings `to`. Resolves once the authorised INVITE has been sent (Kamailio logs `PBX-RELAY
   * INVITE ... cid=<callId>` when it relays it). `cancel()` ends the attempt; it resolves with the
   * final status (487 normally).
   */
  async function call(to, { displayName = 'Bench', timeoutMs = 10000 } = {}) {
    const callId = `bench-${token()}@127.0.0.1`;
    const fromTag = token(4);
    const uri = `sip:${to}@${pbx.domain}`;
    const events = [];
    let waiter;
    const next = (pred, what) =>
      new Promise((resolve, reject) => {
        const found = events.find(pred);
        if (found) return resolve(found);
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`SIP caller: no ${what} for ${callId} within ${timeoutMs} ms (got ${events.map((e) => `${e.status} ${e.method}`).join(', ')})`));
        }, timeoutMs);
        waiter = (m) => {
          if (!pred(m)) return;
          clearTimeout(timer);
          waiter = undefined;
          resolve(m);
        };
      });
    calls.set(callId, (m) => {
      events.push(m);
      waiter?.(m);
    });

    const request = (method, { cseq, branch, toHeader = `<${uri}>`, extra = [], body = '' }) =>
      [
        `${method} ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: "${displayName}" <sip:${user}@${pbx.domain}>;tag=${fromTag}`,
        `To: ${toHeader}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ${method}`,
        ...(method === 'INVITE' ? [`Contact: <sip:${user}@127.0.0.1:${port}>`, 'Allow: INVITE, ACK, CANCEL, BYE'] : []),
        ...extra,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');

    // 1. INVITE; Kamailio challenges it (407) unless started with authInvites: false.
    let cseq = 1;
    let branch = `z9hG4bK${token()}`;
    const body = sdp();
    await send(request('INVITE', { cseq, branch, body }));
    const first = await next((m) => m.status >= 100, 'reply to the INVITE');
    if (first.status === 407 || first.status === 401) {
      await send(request('ACK', { cseq, branch, toHeader: first.to }));
      const challenge = first.header('Proxy-Authenticate') ?? first.header('WWW-Authenticate');
      cseq = 2;
      branch = `z9hG4bK${token()}`;
      events.length = 0;
      const auth = digest(challenge, { user, password, method: 'INVITE', uri });
      await send(request('INVITE', { cseq, branch, body, extra: [`${first.status === 407 ? 'Proxy-' : ''}Authorization: ${auth}`] }));
    } else if (first.status >= 300) {
      calls.delete(callId);
      throw new Error(`SIP caller: INVITE to ${to} failed: ${first.status} ${first.reason}`);
    }
    const sentAt = Date.now();
    const inviteCseq = cseq;
    const inviteBranch = branch;

    return {
      callId,
      sentAt,
      /** Replies received so far, e.g. ['100 INVITE', '180 INVITE']. */
      replies: () => events.map((e) => `${e.status} ${e.method}`),
      async cancel() {
        const early = events.find((m) => m.method === 'INVITE' && m.status >= 300);
        if (early) {
          calls.delete(callId);
          throw new Error(`SIP caller: the call to ${to} failed before CANCEL: ${early.status} ${early.reason}`);
        }
        await send(request('CANCEL', { cseq: inviteCseq, branch: inviteBranch }));
        const final = await next((m) => m.method === 'INVITE' && m.status >= 200, 'final reply after CANCEL');
        if (final.status >= 300) await send(request('ACK', { cseq: inviteCseq, branch: inviteBranch, toHeader: final.to }));
        calls.delete(callId);
        return final.status;
      },
    };
  }

  return {
    port,
    src: `127.0.0.1:${port}`,
    call,
    close: () => new Promise((resolve) => socket.close(resolve)),
  };
}
