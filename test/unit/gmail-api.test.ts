import { expect } from 'chai';
import { getResponse, http, HttpResponse, type HttpHandler } from 'msw';
import type { CallRecord } from '../../src/shared/record.ts';
import { DeliveryError, failureOf, retryAfterMs, type Fetch } from '../../src/integrations/delivery.ts';
import { GmailApi, withParents } from '../../src/integrations/gmail/gmail-api.ts';
import { GmailLogger } from '../../src/integrations/gmail/gmail-logger.ts';
import { fromBase64url, parse } from '../support/mime-reader.ts';

const API = 'https://gmail.googleapis.com/gmail/v1/users/me';
const TOKEN = 'ya29.test-token';

/** Google's error body, as the Gmail API's resolve-errors guide shows it. */
function googleError(code: number, message: string, reason: string, status: string, domain = 'global', headers: Record<string, string> = {}) {
  return HttpResponse.json({ error: { code, message, errors: [{ message, domain, reason }], status } }, { status: code, headers });
}

/** A Gmail with labels, answering as Google does; every request is recorded. */
function fakeGmail(initial: { id: string; name: string }[] = []) {
  const labels = new Map(initial.map((l) => [l.id, { ...l, type: 'user' }]));
  for (const id of ['INBOX', 'SENT', 'TRASH', 'IMPORTANT']) labels.set(id, { id, name: id, type: 'system' });
  const requests: { method: string; url: string; auth: string | null; body?: unknown }[] = [];
  const inserted: { raw: string; labelIds: string[] }[] = [];
  let next = 100;
  const record = async (request: Request) => {
    const body = request.method === 'GET' ? undefined : await request.clone().json();
    requests.push({ method: request.method, url: request.url, auth: request.headers.get('authorization'), body });
    return body;
  };
  const authorized = (r: Request) => r.headers.get('authorization') === `Bearer ${TOKEN}`;
  const invalidCredentials = () => googleError(401, 'Request had invalid authentication credentials.', 'authError', 'UNAUTHENTICATED');
  const handlers: HttpHandler[] = [
    http.get(`${API}/labels`, async ({ request }) => {
      await record(request);
      if (!authorized(request)) return invalidCredentials();
      return HttpResponse.json({ labels: [...labels.values()] });
    }),
    http.post(`${API}/labels`, async ({ request }) => {
      const body = (await record(request)) as { name: string };
      if (!authorized(request)) return invalidCredentials();
      if ([...labels.values()].some((l) => l.name.toLowerCase() === body.name.toLowerCase())) {
        return googleError(409, 'Label name exists or conflicts', 'duplicate', 'ALREADY_EXISTS');
      }
      if (body.name.toUpperCase() === 'INBOX' || body.name.length > 225) return googleError(400, 'Invalid label name', 'invalidArgument', 'INVALID_ARGUMENT');
      const label = { id: `Label_${next++}`, name: body.name, type: 'user', messageListVisibility: 'show', labelListVisibility: 'labelShow' };
      labels.set(label.id, label);
      return HttpResponse.json(label);
    }),
    http.post(`${API}/messages`, async ({ request }) => {
      const body = (await record(request)) as { raw: string; labelIds: string[] };
      if (!authorized(request)) return invalidCredentials();
      const unknown = body.labelIds.find((id) => !labels.has(id));
      if (unknown) return googleError(400, `Invalid label: ${unknown}`, 'invalidArgument', 'INVALID_ARGUMENT');
      inserted.push(body);
      return HttpResponse.json({ id: `18c${inserted.length}`, threadId: `18c${inserted.length}`, labelIds: body.labelIds });
    }),
  ];
  const fetch: Fetch = async (request) => (await getResponse(handlers, request)) ?? new Response('Not Found', { status: 404 });
  return { fetch, labels, requests, inserted, handlers };
}

/** A Gmail that answers every request with `reply`. */
function failing(reply: () => Response): Fetch {
  const handlers = [http.all(`${API}/*`, reply)];
  return async (request) => (await getResponse(handlers, request))!;
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

describe('GmailApi', () => {
  it('names a nested label with its parents, parent first', () => {
    expect(withParents('Voice calls/Incoming')).to.deep.equal(['Voice calls', 'Voice calls/Incoming']);
    expect(withParents('Calls')).to.deep.equal(['Calls']);
  });

  it('creates a nested label after its parent, so Gmail shows it nested', async () => {
    const gmail = fakeGmail();
    const api = new GmailApi(gmail.fetch, () => TOKEN);
    const [id] = await api.ensureLabels(['Voice calls/Incoming']);
    const created = gmail.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { name: string }).name);
    expect(created).to.deep.equal(['Voice calls', 'Voice calls/Incoming']);
    expect(gmail.labels.get(id!)?.name).to.equal('Voice calls/Incoming');
    expect(gmail.requests[1]!.body).to.deep.include({ labelListVisibility: 'labelShow', messageListVisibility: 'show' });
  });

  it('lists labels once per instance and reuses the ones that exist, whatever their case', async () => {
    const gmail = fakeGmail([{ id: 'Label_1', name: 'Voice calls' }, { id: 'Label_2', name: 'voice calls/missed' }]);
    const api = new GmailApi(gmail.fetch, () => TOKEN);
    expect(await api.ensureLabels(['Voice calls/Missed'])).to.deep.equal(['Label_2']);
    expect(await api.ensureLabels(['Voice calls/Missed', 'Voice calls'])).to.deep.equal(['Label_2', 'Label_1']);
    expect(gmail.requests.map((r) => r.method)).to.deep.equal(['GET']);
  });

  it('takes a 409 on create as the label existing: lists again and returns it', async () => {
    const gmail = fakeGmail();
    const api = new GmailApi(gmail.fetch, () => TOKEN);
    await api.listLabels();
    // Created elsewhere (another tab, the user) after this instance listed.
    gmail.labels.set('Label_9', { id: 'Label_9', name: 'Customers', type: 'user' });
    expect(await api.createLabel('customers')).to.deep.equal({ id: 'Label_9', name: 'Customers' });
    expect(gmail.requests.map((r) => r.method)).to.deep.equal(['GET', 'POST', 'GET']);
  });

  it('inserts with the Date header as the internal date, the raw message and the labels', async () => {
    const gmail = fakeGmail([{ id: 'Label_1', name: 'Voice calls' }]);
    const api = new GmailApi(gmail.fetch, () => TOKEN);
    expect(await api.insert('UmF3', ['Label_1'])).to.equal('18c1');
    const insert = gmail.requests.at(-1)!;
    expect(insert.url).to.equal(`${API}/messages?internalDateSource=dateHeader`);
    expect(insert.auth).to.equal(`Bearer ${TOKEN}`);
    expect(insert.body).to.deep.equal({ raw: 'UmF3', labelIds: ['Label_1'] });
  });

  it('asks for a reconnect without a request when there is no token', async () => {
    const gmail = fakeGmail();
    const error = await rejection(new GmailApi(gmail.fetch, () => undefined).insert('UmF3', []));
    expect(error.retry).to.equal('reconnect');
    expect(error.message).to.equal('Gmail is not connected');
    expect(gmail.requests).to.have.length(0);
  });

  it('asks for a reconnect when Google refuses the token (401)', async () => {
    const error = await rejection(new GmailApi(fakeGmail().fetch, () => 'expired').listLabels());
    expect(error.retry).to.equal('reconnect');
    expect(error.status).to.equal(401);
    expect(error.message).to.include('invalid authentication credentials');
  });

  it('never retries a 403 for missing scopes, and says why', async () => {
    const fetch = failing(() => googleError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions', 'PERMISSION_DENIED'));
    const error = await rejection(new GmailApi(fetch, () => TOKEN).insert('UmF3', []));
    expect(error.retry).to.equal('never');
    expect(error.message).to.equal('Gmail answered 403 Forbidden: Request had insufficient authentication scopes. (insufficientPermissions)');
  });

  it('retries later a 403 for the per-user rate limit', async () => {
    const fetch = failing(() => googleError(403, 'User Rate Limit Exceeded', 'userRateLimitExceeded', 'PERMISSION_DENIED', 'usageLimits'));
    const error = await rejection(new GmailApi(fetch, () => TOKEN).insert('UmF3', []));
    expect(error.retry).to.equal('later');
  });

  it('retries later a 429, after the Retry-After it gives', async () => {
    const fetch = failing(() => googleError(429, 'Too many concurrent requests for user', 'rateLimitExceeded', 'RESOURCE_EXHAUSTED', 'global', { 'Retry-After': '30' }));
    const error = await rejection(new GmailApi(fetch, () => TOKEN).insert('UmF3', []));
    expect(error.retry).to.equal('later');
    expect(error.retryAfterMs).to.equal(30_000);
  });

  it('retries later a 500 and a lost network', async () => {
    const server = failing(() => googleError(500, 'Backend Error', 'backendError', 'INTERNAL'));
    expect((await rejection(new GmailApi(server, () => TOKEN).insert('UmF3', []))).retry).to.equal('later');
    const offline = failing(() => HttpResponse.error());
    const lost = await rejection(new GmailApi(offline, () => TOKEN).insert('UmF3', []));
    expect(lost.retry).to.equal('later');
    expect(lost.message).to.equal('Gmail could not be reached');
    const rejecting: Fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    expect((await rejection(new GmailApi(rejecting, () => TOKEN).insert('UmF3', []))).retry).to.equal('later');
  });

  it('never retries a 400, with Google\'s reason', async () => {
    const gmail = fakeGmail();
    const error = await rejection(new GmailApi(gmail.fetch, () => TOKEN).insert('UmF3', ['Label_404']));
    expect(error.retry).to.equal('never');
    expect(error.message).to.include('Invalid label: Label_404');
  });
});

describe('failureOf', () => {
  const answer = (status: number, body = '', headers: Record<string, string> = {}) => new Response(body, { status, headers });

  it('sorts statuses into later, never and reconnect', async () => {
    const cases: [number, string][] = [[401, 'reconnect'], [408, 'later'], [429, 'later'], [500, 'later'], [502, 'later'], [503, 'later'],
      [400, 'never'], [403, 'never'], [404, 'never'], [410, 'never'], [413, 'never'], [422, 'never']];
    for (const [status, retry] of cases) expect((await failureOf(answer(status), 'Hook')).retry, String(status)).to.equal(retry);
  });

  it('reads Retry-After as seconds or as an HTTP date', async () => {
    expect(retryAfterMs('120')).to.equal(120_000);
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(retryAfterMs('Thu, 01 Jan 2026 12:01:30 GMT', now)).to.equal(90_000);
    expect(retryAfterMs('soon')).to.equal(undefined);
    const error = await failureOf(answer(503, '', { 'Retry-After': '7' }), 'Hook');
    expect(error.retryAfterMs).to.equal(7000);
  });

  it('takes a person\'s reason from a plain or JSON body, not from an HTML page', async () => {
    expect((await failureOf(answer(422, 'missing field: call.id', { 'Content-Type': 'text/plain' }), 'Hook')).message).to.equal('Hook answered 422: missing field: call.id');
    expect((await failureOf(answer(400, JSON.stringify({ message: 'bad payload' })), 'Hook')).message).to.equal('Hook answered 400: bad payload');
    expect((await failureOf(answer(400, JSON.stringify({ error: 'nope' })), 'Hook')).message).to.equal('Hook answered 400: nope');
    expect((await failureOf(answer(404, '<html><body>Not here</body></html>', { 'Content-Type': 'text/html' }), 'Hook')).message).to.equal('Hook answered 404');
  });
});

describe('GmailLogger', () => {
  const START = Date.UTC(2026, 0, 15, 9, 30, 5);
  const call: CallRecord = {
    id: 'c-1', sipCallId: 's', direction: 'inbound', state: 'ended', outcome: 'missed',
    remote: { number: '+12025550147', displayName: 'Grace Hopper', uri: 'sip:+12025550147@pbx.example' },
    local: { uri: 'sip:1001@pbx.example' }, events: [], startedAt: START, endedAt: START + 20_000,
    secure: true, muted: false, media: 'none', labels: ['Customers/Navy', 'INBOX'], version: 4, provenance: {},
  };
  const calls = { get: async (id: string) => (id === call.id ? call : undefined) };

  it('files the call under its type and the user\'s labels, and returns Gmail\'s message id', async () => {
    const gmail = fakeGmail();
    const logger = new GmailLogger({ calls, api: new GmailApi(gmail.fetch, () => TOKEN), timeZone: 'Europe/Paris' });
    expect(await logger.deliver('c-1')).to.deep.equal({ ref: '18c1' });
    const [{ raw, labelIds }] = gmail.inserted as [{ raw: string; labelIds: string[] }];
    const names = labelIds.map((id) => gmail.labels.get(id)!.name);
    expect(names).to.deep.equal(['Voice calls/Missed', 'Customers/Navy', 'INBOX']);
    const message = parse(fromBase64url(raw));
    expect(message.header('Subject')).to.match(/^Call with Grace Hopper .* · missed$/);
    expect(message.header('Date')).to.equal('Thu, 15 Jan 2026 10:30:05 +0100');
  });

  it('skips a user label Gmail refuses, and logs the call all the same', async () => {
    const gmail = fakeGmail();
    const long = { ...call, labels: ['x'.repeat(300)] };
    const logger = new GmailLogger({ calls: { get: async () => long }, api: new GmailApi(gmail.fetch, () => TOKEN) });
    expect(await logger.deliver('c-1')).to.deep.equal({ ref: '18c1' });
    expect(gmail.inserted[0]!.labelIds.map((id) => gmail.labels.get(id)!.name)).to.deep.equal(['Voice calls/Missed']);
  });

  it('never retries a call that is gone', async () => {
    const error = await rejection(new GmailLogger({ calls, api: new GmailApi(fakeGmail().fetch, () => TOKEN) }).deliver('gone'));
    expect(error.retry).to.equal('never');
  });

  it('lists the labels again after an insert refused for a label deleted since', async () => {
    const gmail = fakeGmail();
    const api = new GmailApi(gmail.fetch, () => TOKEN);
    const logger = new GmailLogger({ calls, api });
    await logger.deliver('c-1');
    const missed = [...gmail.labels.values()].find((l) => l.name === 'Voice calls/Missed')!;
    gmail.labels.delete(missed.id);
    expect((await rejection(logger.deliver('c-1'))).retry).to.equal('later');
    expect(await logger.deliver('c-1')).to.deep.equal({ ref: '18c2' });
  });
});
