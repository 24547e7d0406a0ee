import { expect } from 'chai';
import { getResponse, http, HttpResponse } from 'msw';
import type { CallRecord } from '../../src/shared/record.ts';
import { DeliveryError, type Fetch } from '../../src/integrations/delivery.ts';
import { WebhookSender, type WebhookPayload } from '../../src/integrations/webhook/webhook-sender.ts';

const URL_ = 'https://hooks.example.com/patchbay';
const START = Date.UTC(2026, 0, 15, 9, 30, 5);
const call = {
  id: 'c-42', sipCallId: 's', direction: 'outbound', state: 'ended', outcome: 'answered',
  remote: { number: '+12025550147', uri: 'sip:+12025550147@pbx.example' }, local: { uri: 'sip:1001@pbx.example' },
  events: [], startedAt: START, answeredAt: START + 5000, endedAt: START + 65_000, talkSeconds: 60,
  secure: true, muted: false, media: 'connected', notes: 'Ünïcode <b>', version: 7,
  provenance: { notes: { by: 'user', at: START + 70_000 } },
  log: { gmail: { status: 'pending', at: START + 80_000 } },
} as CallRecord;
const calls = { get: async (id: string) => (id === call.id ? call : undefined) };

/** A receiver answering `reply`, keeping what it was sent. */
function receiver(reply: () => Response = () => new HttpResponse(null, { status: 204 })) {
  const received: Request[] = [];
  const handlers = [http.post(URL_, ({ request }) => {
    received.push(request.clone());
    return reply();
  })];
  const fetch: Fetch = async (request) => (await getResponse(handlers, request)) ?? new Response(null, { status: 404 });
  return { fetch, received };
}

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('expected a DeliveryError');
}

describe('WebhookSender', () => {
  it('POSTs the final call as versioned JSON with its id as the idempotency key', async () => {
    const hook = receiver();
    const before = Date.now();
    expect(await new WebhookSender({ url: URL_, token: 's3cret', fetch: hook.fetch, calls }).deliver('c-42')).to.deep.equal({ ref: '204' });
    const [request] = hook.received as [Request];
    expect(request.method).to.equal('POST');
    expect(request.headers.get('content-type')).to.equal('application/json');
    expect(request.headers.get('authorization')).to.equal('Bearer s3cret');
    expect(request.headers.get('idempotency-key')).to.equal('c-42');
    const payload = (await request.json()) as WebhookPayload;
    expect(payload.event).to.equal('call.final');
    expect(payload.version).to.equal(1);
    expect(Date.parse(payload.deliveredAt)).to.be.within(before, Date.now());
    const { log: _log, ...withoutLog } = call as CallRecord & { log?: unknown };
    expect(payload.call).to.deep.equal(withoutLog);
  });

  it('sends no Authorization header without a token', async () => {
    const hook = receiver(() => HttpResponse.json({ ok: true }));
    expect(await new WebhookSender({ url: URL_, fetch: hook.fetch, calls }).deliver('c-42')).to.deep.equal({ ref: '200' });
    expect(hook.received[0]!.headers.has('authorization')).to.equal(false);
  });

  it('retries later on a 5xx or a lost network, honouring Retry-After', async () => {
    const busy = receiver(() => new HttpResponse('overloaded', { status: 503, headers: { 'Retry-After': '120' } }));
    const error = await rejection(new WebhookSender({ url: URL_, fetch: busy.fetch, calls }).deliver('c-42'));
    expect([error.retry, error.retryAfterMs]).to.deep.equal(['later', 120_000]);
    const lost = receiver(() => HttpResponse.error());
    expect((await rejection(new WebhookSender({ url: URL_, fetch: lost.fetch, calls }).deliver('c-42'))).retry).to.equal('later');
  });

  it('asks for a reconnect on a 401 and never retries a 422, with the receiver\'s reason', async () => {
    const refused = receiver(() => new HttpResponse(null, { status: 401 }));
    expect((await rejection(new WebhookSender({ url: URL_, fetch: refused.fetch, calls }).deliver('c-42'))).retry).to.equal('reconnect');
    const invalid = receiver(() => HttpResponse.json({ message: 'call.remote.number is required' }, { status: 422 }));
    const error = await rejection(new WebhookSender({ url: URL_, fetch: invalid.fetch, calls }).deliver('c-42'));
    expect(error.retry).to.equal('never');
    expect(error.message).to.equal('The webhook hooks.example.com answered 422 Unprocessable Entity: call.remote.number is required');
  });

  it('never retries a call that is gone or an address that is not http(s)', async () => {
    const hook = receiver();
    expect((await rejection(new WebhookSender({ url: URL_, fetch: hook.fetch, calls }).deliver('gone'))).retry).to.equal('never');
    expect((await rejection(new WebhookSender({ url: 'javascript:alert(1)', fetch: hook.fetch, calls }).deliver('c-42'))).retry).to.equal('never');
    expect(hook.received).to.have.length(0);
  });
});
