import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/record.ts';
import { phoneNumbersReady } from '../../src/shared/phone-number.ts';
import { callMessage, callTypeLabel } from '../../src/integrations/gmail/call-message.ts';
import { fromBase64url, parse } from '../support/mime-reader.ts';

const START = Date.UTC(2026, 0, 15, 9, 30, 5);

function record(o: Partial<CallRecord> = {}): CallRecord {
  return {
    id: '6f1c2b7e-2d4a-4c1e-9a0b-3f5d7e9c1a20',
    sipCallId: 'abc@pbx',
    direction: 'inbound',
    state: 'ended',
    outcome: 'answered',
    reason: 'Hung up by caller',
    remote: { number: '+12025550147', displayName: 'G HOPPER', uri: 'sip:+12025550147@pbx.example' },
    local: { uri: 'sip:1001@pbx.example;transport=ws', displayName: 'Front desk' },
    events: [],
    startedAt: START,
    answeredAt: START + 4000,
    endedAt: START + 196_000,
    ringSeconds: 4,
    talkSeconds: 192,
    secure: true,
    muted: false,
    media: 'connected',
    contact: { name: 'Grace Hopper', company: 'US Navy', title: 'Rear Admiral', email: 'grace@navy.example', links: ['https://crm.example/c/42'] },
    notes: 'Wants a callback\nabout COBOL',
    subject: 'Compiler question',
    tags: ['vip', 'cobol'],
    labels: ['Customers/Navy'],
    account: 'ACC-1',
    opportunity: 'OPP-7',
    ticket: 'T-99',
    version: 9,
    provenance: {
      state: { by: 'pbx', at: START },
      'contact.name': { by: 'crm', at: START + 1000 },
      'contact.company': { by: 'crm', at: START + 1000 },
      notes: { by: 'user', at: START + 2000 },
      ticket: { by: 'helpdesk', at: START + 3000 },
    },
    ...o,
  };
}

const read = (r: CallRecord, options = {}) => {
  const message = callMessage(r, options);
  const source = fromBase64url(message.raw);
  return { message, source, parsed: parse(source) };
};

describe('the Gmail call message', () => {
  before(() => phoneNumbersReady);

  it('is a base64url RFC 5322 message with a text and an HTML part in UTF-8', () => {
    const { message, parsed } = read(record());
    expect(message.raw).to.match(/^[A-Za-z0-9_-]+$/);
    expect(parsed.header('MIME-Version')).to.equal('1.0');
    expect(parsed.header('Content-Type')).to.match(/^multipart\/alternative; boundary="/);
    expect(parsed.parts.map((p) => p.type)).to.deep.equal(['text/plain', 'text/html']);
    for (const part of parsed.parts) expect(part.headers).to.match(/charset=UTF-8/).and.match(/Content-Transfer-Encoding: base64/);
    expect(parsed.parts[0]!.body).to.equal(message.text);
    expect(parsed.parts[1]!.body).to.equal(message.html);
  });

  it('is dated when the call started, in the zone asked for', () => {
    expect(read(record()).parsed.header('Date')).to.equal('Thu, 15 Jan 2026 09:30:05 +0000');
    const paris = read(record(), { timeZone: 'Europe/Paris' }).parsed.header('Date')!;
    expect(paris).to.equal('Thu, 15 Jan 2026 10:30:05 +0100');
    expect(Date.parse(paris)).to.equal(START);
    expect(read(record(), { timeZone: 'Not/AZone' }).parsed.header('Date')).to.equal('Thu, 15 Jan 2026 09:30:05 +0000');
  });

  it('is From the caller and To the called party, by their SIP addresses', () => {
    const inbound = read(record()).parsed;
    expect(inbound.header('From')).to.equal('"Grace Hopper" <+12025550147@pbx.example>');
    expect(inbound.header('To')).to.equal('"Front desk" <1001@pbx.example>');
    const outbound = read(record({ direction: 'outbound' })).parsed;
    expect(outbound.header('From')).to.equal('"Front desk" <1001@pbx.example>');
    expect(outbound.header('To')).to.equal('"Grace Hopper" <+12025550147@pbx.example>');
  });

  it('uses unknown@invalid where a party has no usable address', () => {
    const r = record({ remote: { number: '+12025550147', uri: 'tel:+12025550147' }, local: { uri: 'sip:front desk@pbx' } });
    const { parsed } = read(r);
    expect(parsed.header('From')).to.equal('"Grace Hopper" <unknown@invalid>');
    expect(parsed.header('To')).to.equal('<unknown@invalid>');
  });

  it('has a Message-ID made from the call id alone, the same every time', () => {
    const first = read(record()).parsed.header('Message-ID');
    expect(first).to.equal('<call-6f1c2b7e-2d4a-4c1e-9a0b-3f5d7e9c1a20@patchbay.invalid>');
    expect(read(record({ notes: 'changed', version: 12 })).parsed.header('Message-ID')).to.equal(first);
    expect(read(record({ id: 'a b>\r\nX: y' })).message.messageId).to.equal('<call-a%20b%3E%0D%0AX%3A%20y@patchbay.invalid>');
  });

  it('says who, which way and how long in the subject', () => {
    const { message, parsed } = read(record());
    expect(message.subject).to.match(/^Call with Grace Hopper \(\+1 202 555 0147\) · incoming · 3 min,? 12 s(ec)?$/);
    expect(parsed.header('Subject')).to.equal(message.subject);
    const missed = record({ outcome: 'missed', answeredAt: undefined, talkSeconds: undefined, contact: undefined, remote: { number: '+12025550147', uri: 'sip:+12025550147@pbx.example' } });
    expect(read(missed).message.subject).to.equal('Call with +1 202 555 0147 · missed');
    expect(read(record({ direction: 'outbound', outcome: 'busy', answeredAt: undefined })).message.subject).to.match(/· outgoing · busy$/);
    // Answered and hung up at once: a duration still, not a dangling separator.
    expect(read(record({ talkSeconds: 0 })).message.subject).to.match(/· incoming · 0 s(ec)?$/);
  });

  it('holds everything the record says in both parts, with who wrote what', () => {
    const { message } = read(record(), { appNames: { crm: 'Acme CRM' } });
    for (const part of [message.text, message.html]) {
      for (const want of ['+1 202 555 0147', 'Grace Hopper', 'US Navy', 'Rear Admiral', 'grace@navy.example', 'Front desk', 'Hung up by caller',
        'Compiler question', 'Wants a callback', 'about COBOL', 'vip, cobol', 'Customers/Navy', 'ACC-1', 'OPP-7', 'T-99', 'incoming', 'answered',
        'sip:+12025550147@pbx.example', 'by Acme CRM', 'by you', 'by helpdesk', 'Ring time', 'Talk time', '2026']) {
        expect(part, want).to.include(want);
      }
    }
    expect(message.text).to.match(/Company \(by Acme CRM\): US Navy/);
    expect(message.html).to.include('href="tel:+12025550147"').and.include('href="mailto:grace@navy.example"').and.include('href="https://crm.example/c/42"');
  });

  it('keeps markup from callers and apps as text in the HTML part', () => {
    const r = record({
      remote: { number: '+12025550147', displayName: '<script>alert(1)</script>', uri: 'sip:x@pbx.example' },
      contact: { name: '<b onmouseover="x()">Eve</b>', links: ['javascript:alert(1)', 'https://ok.example/?a=1&b="2"'] },
      notes: '<img src=x onerror=alert(1)> & </td></table>',
      tags: ['<i>'],
    });
    const { html } = read(r).message;
    expect(html).not.to.match(/<script|<img|<b |<i>|<\/td><\/table>/);
    expect(html).to.include('&#60;img src=x onerror=alert(1)&#62; &#38; &#60;/td&#62;');
    expect(html).to.include('&#60;b onmouseover=&#34;x()&#34;&#62;Eve&#60;/b&#62;');
    expect(html).not.to.include('href="javascript');
    expect(html).to.include('href="https://ok.example/?a=1&#38;b=&#34;2&#34;"');
  });

  it('never lets CR or LF in a value start a header of its own', () => {
    const r = record({
      contact: { name: 'Eve\r\nBcc: victim@example.com\r\n\r\nInjected body' },
      local: { uri: 'sip:1001@pbx.example', displayName: 'Desk\nX-Evil: 1' },
      remote: { number: '+12025550147\r\nCc: a@b.example', uri: 'sip:+1@pbx.example\r\nTo: x@y.example' },
    });
    const { parsed, source } = read(r);
    const names = [...parsed.headers.keys()];
    expect(names).to.have.members(['date', 'from', 'to', 'subject', 'message-id', 'mime-version', 'content-type']);
    for (const line of parsed.head.split('\r\n')) expect(line).to.match(/^([A-Za-z-]+: | )/);
    expect(parsed.header('From')).to.match(/^"Eve Bcc: victim@example.com Injected body" </);
    expect(source.split('\r\n').some((l) => /^(Bcc|Cc|X-Evil):/i.test(l))).to.equal(false);
  });

  it('encodes non-ASCII names and subjects as RFC 2047 words that read back the same', () => {
    const r = record({ contact: { name: 'Zoë Ångström 日本語の名前がとても長い場合でも大丈夫ですか' } });
    const { parsed } = read(r);
    expect(parsed.head).to.match(/^From: =\?UTF-8\?B\?/m).and.match(/^Subject: =\?UTF-8\?B\?/m);
    expect(parsed.header('From')).to.equal('Zoë Ångström 日本語の名前がとても長い場合でも大丈夫ですか <+12025550147@pbx.example>');
    expect(parsed.header('Subject')).to.match(/^Call with Zoë Ångström 日本語の名前がとても長い場合でも大丈夫ですか \(/);
    for (const word of parsed.head.match(/=\?[^?]+\?B\?[^?]*\?=/g) ?? []) expect(word.length).to.be.at.most(75);
  });

  it('keeps every line within 998 characters, however long the record', () => {
    const long = 'x'.repeat(200);
    const r = record({ notes: 'word '.repeat(4000), contact: { name: long, company: long }, remote: { number: '1'.repeat(128), displayName: long, uri: `sip:${'1'.repeat(100)}@pbx.example` } });
    const { source } = read(r);
    for (const line of source.split('\r\n')) expect(line.length).to.be.at.most(998);
  });

  it('files each call under its type: missed, incoming or outbound', () => {
    const cases: [Partial<CallRecord>, string][] = [
      [{ direction: 'inbound', outcome: 'answered' }, 'Voice calls/Incoming'],
      [{ direction: 'inbound', outcome: 'interrupted' }, 'Voice calls/Incoming'],
      [{ direction: 'inbound', outcome: 'missed', answeredAt: undefined }, 'Voice calls/Missed'],
      [{ direction: 'inbound', outcome: 'declined', answeredAt: undefined }, 'Voice calls/Missed'],
      [{ direction: 'inbound', outcome: 'voicemail' }, 'Voice calls/Missed'],
      [{ direction: 'inbound', outcome: 'busy', answeredAt: undefined }, 'Voice calls/Missed'],
      [{ direction: 'inbound', outcome: 'cancelled', answeredAt: undefined }, 'Voice calls/Missed'],
      [{ direction: 'inbound', outcome: 'failed', answeredAt: undefined }, 'Voice calls/Missed'],
      [{ direction: 'outbound', outcome: 'answered' }, 'Voice calls/Outbound'],
      [{ direction: 'outbound', outcome: 'busy', answeredAt: undefined }, 'Voice calls/Outbound'],
      [{ direction: 'outbound', outcome: 'missed', answeredAt: undefined }, 'Voice calls/Outbound'],
    ];
    for (const [o, label] of cases) expect(callTypeLabel(record(o)), JSON.stringify(o)).to.equal(label);
  });
});
