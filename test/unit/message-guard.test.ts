import { expect } from 'chai';
import { Core } from 'sip.js';
import { ALLOWED_METHODS, screenMessage } from '../../src/worker/sip/message-guard.ts';

const logger = Object.assign(new Core.LoggerFactory(), { builtinEnabled: false }).getLogger('test');
const parse = (text: string) => Core.Parser.parseMessage(text, logger);

/** A request with every header a response needs, with `changes` replacing or adding lines. */
function request(startLine: string, changes: Record<string, string | null> = {}, body = ''): string {
  const headers: Record<string, string | null> = {
    Via: 'SIP/2.0/WSS peer.example.net;branch=z9hG4bKabc',
    'Max-Forwards': '70',
    From: '<sip:caller@example.net>;tag=f1',
    To: '<sip:user@example.com>',
    'Call-ID': 'guard-1@example.net',
    CSeq: `1 ${startLine.split(' ')[0]}`,
    'Content-Length': String(new TextEncoder().encode(body).length),
    ...changes,
  };
  const lines = Object.entries(headers).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  return [startLine, ...lines, '', body].join('\r\n');
}

const status = (text: string) => screenMessage(text, parse).reply?.split('\r\n')[0];

describe('message guard', () => {
  it('lets a plain INVITE and OPTIONS through to sip.js', () => {
    const sdp = 'v=0\r\n';
    expect(screenMessage(request('INVITE sip:user@example.com SIP/2.0', { Contact: '<sip:c@h>', 'Content-Type': 'application/sdp' }, sdp), parse)).to.deep.equal({ pass: true });
    expect(screenMessage(request('OPTIONS sip:user@example.com SIP/2.0'), parse)).to.deep.equal({ pass: true });
  });

  it('answers a version other than SIP/2.0 with 505, copying Via, From, Call-ID, CSeq and tagging To', () => {
    const verdict = screenMessage(request('OPTIONS sip:user@example.com SIP/7.0'), parse);
    expect(verdict.pass).to.equal(false);
    const lines = verdict.reply!.split('\r\n');
    expect(lines[0]).to.equal('SIP/2.0 505 Version Not Supported');
    expect(lines).to.include('Via: SIP/2.0/WSS peer.example.net;branch=z9hG4bKabc');
    expect(lines).to.include('From: <sip:caller@example.net>;tag=f1');
    expect(lines).to.include('Call-ID: guard-1@example.net');
    expect(lines).to.include('CSeq: 1 OPTIONS');
    expect(lines.find((l) => l.startsWith('To: '))).to.match(/^To: <sip:user@example\.com>;tag=\w+$/);
    expect(verdict.reply!.endsWith('Content-Length: 0\r\n\r\n')).to.equal(true);
  });

  it('answers what sip.js cannot parse with 400 instead of dropping it', () => {
    expect(status(request('INVITE sip:user@example.com SIP/2.0', { To: '"Mr. J. User <sip:j.user@example.com>' }))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('REGISTER sip:user@2001:db8::10 SIP/2.0'))).to.equal('SIP/2.0 400 Bad Request');
  });

  it('answers a malformed Request-Line, a CSeq that does not match or is too big, and repeated single fields with 400', () => {
    expect(status(request('INVITE  sip:user@example.com  SIP/2.0'))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('OPTIONS sip:user@example.com SIP/2.0  '))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('INVITE <sip:user@example.com> SIP/2.0'))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('OPTIONS sip:user@example.com SIP/2.0', { CSeq: '8 INVITE' }))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('OPTIONS sip:user@example.com SIP/2.0', { CSeq: '36893488147419103232 OPTIONS' }))).to.equal('SIP/2.0 400 Bad Request');
    const twoCallIds = request('OPTIONS sip:user@example.com SIP/2.0').replace('Call-ID: guard-1@example.net', 'Call-ID: a@x\r\nCall-ID: b@x');
    expect(status(twoCallIds)).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('OPTIONS sip:user@example.com SIP/2.0', { 'Content-Length': '-999' }))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('OPTIONS sip:user@example.com SIP/2.0', { Via: 'SIP/2.0/UDP 192.0.2.15;;,;,,' }))).to.equal('SIP/2.0 400 Bad Request');
    expect(status(request('OPTIONS sip:user@example.com SIP/2.0', { From: null, 'Call-ID': null }))).to.equal('SIP/2.0 400 Bad Request');
  });

  it('answers an unknown method 501 with Allow, and an unknown Request-URI scheme 416', () => {
    const verdict = screenMessage(request('RE%47IST%45R sip:user@example.com SIP/2.0'), parse);
    expect(verdict.reply!.split('\r\n')[0]).to.equal('SIP/2.0 501 Not Implemented');
    expect(verdict.reply).to.include(`Allow: ${ALLOWED_METHODS.join(', ')}`);
    expect(status(request('OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0'))).to.equal('SIP/2.0 416 Unsupported URI Scheme');
  });

  it('answers Require 420 listing the options, a body it cannot read 415, an Accept it cannot meet 406', () => {
    const required = screenMessage(request('OPTIONS sip:user@example.com SIP/2.0', { Require: 'a, b' }), parse);
    expect(required.reply!.split('\r\n')[0]).to.equal('SIP/2.0 420 Bad Extension');
    expect(required.reply).to.include('Unsupported: a, b');
    const invite = 'INVITE sip:user@example.com SIP/2.0';
    const unknownBody = screenMessage(request(invite, { Contact: '<sip:c@h>', 'Content-Type': 'application/unknownformat' }, '<audio/>'), parse);
    expect(unknownBody.reply!.split('\r\n')[0]).to.equal('SIP/2.0 415 Unsupported Media Type');
    expect(unknownBody.reply).to.include('Accept: application/sdp');
    expect(status(request(invite, { Contact: '<sip:c@h>', Accept: 'text/nobodyKnowsThis', 'Content-Type': 'application/sdp' }, 'v=0\r\n'))).to.equal('SIP/2.0 406 Not Acceptable');
  });

  it('never answers an ACK or a request without a Via, and drops a response with an impossible status', () => {
    const ack = screenMessage(request('ACK sip:user@example.com SIP/2.0', { CSeq: '1 INVITE' }), parse);
    expect(ack).to.include({ pass: false });
    expect(ack.reply).to.equal(undefined);
    const noVia = screenMessage(request('OPTIONS sip:user@example.com SIP/7.0', { Via: null }), parse);
    expect(noVia.reply).to.equal(undefined);
    expect(screenMessage('SIP/2.0 4294967301 better not break the receiver\r\n\r\n', parse)).to.include({ pass: false });
    expect(screenMessage('SIP/2.0 100 \r\nVia: SIP/2.0/WSS x;branch=z9hG4bK1\r\n\r\n', parse)).to.deep.equal({ pass: true });
  });

  it('reads folded and compact header fields as RFC 3261 7.3.1 has them', () => {
    const folded = request('OPTIONS sip:user@example.com SIP/2.0', { CSeq: null, 'Call-ID': null })
      .replace('Max-Forwards: 70', 'cseq: 0009\r\n  OPTIONS\r\ni: folded@example.net');
    expect(screenMessage(folded, parse)).to.deep.equal({ pass: true });
  });
});
