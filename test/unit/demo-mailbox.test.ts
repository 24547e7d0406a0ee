import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/record.ts';
import { DeliveryError } from '../../src/integrations/delivery.ts';
import { GmailApi } from '../../src/integrations/gmail/gmail-api.ts';
import { GmailLogger } from '../../src/integrations/gmail/gmail-logger.ts';
import { demoMailbox } from '../../src/worker/demo/demo-mailbox.ts';

const API = 'https://gmail.googleapis.com/gmail/v1/users/me';
const START = Date.UTC(2026, 0, 15, 9, 30, 5);
const call: CallRecord = {
  id: 'demo-1', sipCallId: 's', direction: 'inbound', state: 'ended', outcome: 'answered',
  remote: { number: '+441632960123', displayName: 'Ada Lovelace', uri: 'sip:+441632960123@demo.patchbay.invalid' },
  local: { uri: 'sip:1001@demo.patchbay.invalid', displayName: 'Demo user' }, events: [],
  startedAt: START, answeredAt: START + 3000, endedAt: START + 75_000, talkSeconds: 72,
  secure: true, muted: false, media: 'connected', notes: 'Asked about the engine', labels: ['Demo'], version: 5, provenance: {},
};

const post = (token: string, path: string, body: unknown) =>
  new Request(`${API}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('the demo mailbox', () => {
  it('takes a logged call as Gmail would, and lists it with its labels', async () => {
    const mailbox = demoMailbox();
    const logger = new GmailLogger({ calls: { get: async () => call }, api: new GmailApi(mailbox.fetch, () => mailbox.token) });
    const { ref } = await logger.deliver('demo-1');
    const [message] = mailbox.messages();
    expect(message).to.deep.include({ id: ref, date: START, from: '"Ada Lovelace" <+441632960123@demo.patchbay.invalid>', to: '"Demo user" <1001@demo.patchbay.invalid>' });
    expect(message!.subject).to.match(/^Call with Ada Lovelace \(\+44 1632 960123\) · incoming · 1 min,? 12 s/);
    expect(message!.labelNames).to.deep.equal(['Voice calls/Incoming', 'Demo']);
    expect(message!.snippet.startsWith(message!.subject)).to.equal(true);
    expect(message!.snippet.length).to.be.at.most(200);
  });

  it('refuses a wrong token with Google\'s 401', async () => {
    const mailbox = demoMailbox();
    const error = await new GmailApi(mailbox.fetch, () => 'wrong').listLabels().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DeliveryError).and.include({ retry: 'reconnect', status: 401 });
  });

  it('answers a duplicate label name with 409 ALREADY_EXISTS and an unknown label id with 400', async () => {
    const mailbox = demoMailbox();
    expect((await mailbox.fetch(post(mailbox.token, '/labels', { name: 'Calls' }))).status).to.equal(200);
    const duplicate = await mailbox.fetch(post(mailbox.token, '/labels', { name: 'calls' }));
    expect(duplicate.status).to.equal(409);
    expect(((await duplicate.json()) as { error: { status: string } }).error.status).to.equal('ALREADY_EXISTS');
    const insert = await mailbox.fetch(post(mailbox.token, '/messages?internalDateSource=dateHeader', { raw: 'RnJvbTogYQ', labelIds: ['Label_77'] }));
    expect(insert.status).to.equal(400);
    expect(mailbox.messages()).to.have.length(0);
  });
});
