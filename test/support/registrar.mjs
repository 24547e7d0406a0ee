// Asks the test PBX's registrar which contacts a user has bound, as any SIP client may: a REGISTER
// without a Contact header (RFC 3261 10.2.3) over UDP, with digest authentication.
import { createHash, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { passwordFor } from './pbx.mjs';

const md5 = (s) => createHash('md5').update(s).digest('hex');

/**
 * The Contact URIs the registrar holds for `user` now. The query is a REGISTER the PBX logs (and
 * counts) like any other.
 * @param {{ sipUdp: string, domain: string }} pbx what startPbx() returned
 * @returns {Promise<string[]>}
 */
export async function registeredContacts(pbx, user, { password = passwordFor(user), timeoutMs = 5000 } = {}) {
  const [host, port] = pbx.sipUdp.split(':');
  const socket = createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = `127.0.0.1:${socket.address().port}`;
  const callId = randomUUID();
  const tag = randomUUID().slice(0, 8);
  const uri = `sip:${pbx.domain}`;
  const send = (cseq, extra = '') => {
    const message = [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local};branch=z9hG4bK${randomUUID().replaceAll('-', '')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${pbx.domain}>;tag=${tag}`,
      `To: <sip:${user}@${pbx.domain}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      ...(extra ? [extra] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(message, Number(port), host);
  };
  const reply = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the registrar at ${pbx.sipUdp}`)), timeoutMs);
      const onMessage = (data) => {
        const text = data.toString();
        if (/^SIP\/2\.0 1\d\d/.test(text)) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(text);
      };
      socket.on('message', onMessage);
    });
  try {
    send(1);
    const challenge = await reply();
    const header = /^WWW-Authenticate:\s*Digest\s+(.*)$/im.exec(challenge)?.[1];
    if (!header) throw new Error(`the registrar did not challenge: ${challenge.split('\r\n')[0]}`);
    const param = (name) => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(header)?.[1];
    const [realm, nonce, qop] = [param('realm'), param('nonce'), param('qop')];
    const cnonce = randomUUID().slice(0, 8);
    const ha1 = md5(`${user}:${realm}:${password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const response = qop ? md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    send(
      2,
      `Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5` +
        (qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : ''),
    );
    const answer = await reply();
    if (!/^SIP\/2\.0 200/.test(answer)) throw new Error(`the registrar answered ${answer.split('\r\n')[0]}`);
    // One Contact header per binding, or several in one header separated by commas outside <>.
    return [...answer.matchAll(/^(?:Contact|m):\s*(.*)$/gim)].flatMap((m) => m[1].match(/<[^>]*>[^,]*/g) ?? []).map((c) => /<([^>]*)>/.exec(c)[1]);
  } finally {
    socket.close();
  }
}
