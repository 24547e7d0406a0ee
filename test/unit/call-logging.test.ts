import { expect } from 'chai';
import type { CallRecord, LogEntry } from '../../src/shared/api.ts';
import { DeliveryError } from '../../src/integrations/delivery.ts';
import type { CallBook } from '../../src/worker/calls/call-book.ts';
import { WrapUp } from '../../src/worker/calls/wrap-up.ts';
import { DeliveryOutbox, type Destination } from '../../src/worker/logging/delivery-outbox.ts';
import type { CallStore } from '../../src/worker/store/call-store.ts';
import { freshBook, record, until } from './book-fixtures.ts';

/** Every destination pending: what the hub plans when logging is on. */
const toAll = (keys: string[]) => (_r: CallRecord, o: { log: boolean }): Record<string, LogEntry> =>
  Object.fromEntries(keys.map((k) => [k, o.log ? { status: 'pending', at: Date.now() } : { status: 'skipped', at: Date.now(), reason: 'You chose not to log this call' }]));

/** A call that rang and was answered, then ended: in its wrap-up. */
async function endedCall(book: CallBook, id: string): Promise<CallRecord> {
  await book.create(record(id));
  await book.transition(id, { type: 'answered' });
  return book.transition(id, { type: 'ended', outcome: 'answered' });
}

/** A destination that answers as `script` says, attempt by attempt, and counts what it was given. */
function scripted(script: Array<'ok' | DeliveryError>, spacingMs = 0) {
  const seen: string[] = [];
  const destination: Destination = {
    spacingMs,
    async deliver(id) {
      seen.push(id);
      const step = script.length > 1 ? script.shift()! : script[0]!;
      if (step !== 'ok') throw step;
      return { ref: `m-${seen.length}` };
    },
  };
  return { destination, seen };
}

async function setUp(keys = ['gmail'], wrapUpMs = 0) {
  const { store, book } = await freshBook('test-logging');
  book.wrapUpMs = wrapUpMs;
  const wrapUp = new WrapUp(book, store, toAll(keys));
  await wrapUp.start();
  return { store, book, wrapUp };
}

function outbox(store: CallStore, book: CallBook, destinations: Record<string, Destination | string>) {
  let random = 0.5;
  const box = new DeliveryOutbox(store, book, (to) => destinations[to] ?? `${to} is unknown`, () => undefined, () => random);
  return { box, setRandom: (r: number) => (random = r) };
}

describe('wrap-up and final', () => {
  it('an ended call is final when its wrap-up runs out, with its deliveries queued in the same write', async () => {
    const { store, book, wrapUp } = await setUp(['gmail', 'webhook-1'], 150);
    const ended = await endedCall(book, 'w1');
    expect(ended.wrapUntil).to.be.a('number');
    expect(ended.finalAt).to.equal(undefined);
    expect(await store.countDeliveries()).to.equal(0);
    await until(async () => (await book.get('w1'))?.finalAt !== undefined, 3000);
    const final = (await store.get('w1'))!;
    expect(final.wrapUntil, 'out of the wrap-up index').to.equal(undefined);
    expect(Object.keys(final.log!)).to.deep.equal(['gmail', 'webhook-1']);
    expect((await store.deliveries()).map((d) => d.to).sort()).to.deep.equal(['gmail', 'webhook-1']);
    expect(await store.awaitingFinal()).to.have.length(0);
    wrapUp.stop();
  });

  it('"Done" makes it final at once; pressing it again changes nothing and queues nothing twice', async () => {
    const { store, book, wrapUp } = await setUp(['gmail'], 3_600_000);
    await endedCall(book, 'w2');
    const first = await wrapUp.finish('w2');
    const again = await wrapUp.finish('w2');
    expect(first.finalAt).to.be.a('number');
    expect(again.version).to.equal(first.version);
    expect(await store.countDeliveries()).to.equal(1);
    wrapUp.stop();
  });

  it('"Don\'t log" is kept until final, and the record says why it was not logged; nothing is queued', async () => {
    const { store, book, wrapUp } = await setUp(['gmail'], 3_600_000);
    await endedCall(book, 'w3');
    await wrapUp.setDontLog('w3', true);
    const plan = new WrapUp(book, store, (r, o) => toAll(['gmail'])(r, { log: o.log && !r.dontLog }));
    const final = await plan.finish('w3');
    expect(final.log?.gmail).to.include({ status: 'skipped', reason: 'You chose not to log this call' });
    expect(await store.countDeliveries()).to.equal(0);
    let error: Error | undefined;
    await wrapUp.setDontLog('w3', false).catch((e: Error) => (error = e));
    expect(error?.name, 'too late once final').to.equal('InvalidState');
    wrapUp.stop();
  });

  it('a live call cannot be Done, and a call left in wrap-up by a stopped hub is final after the next start', async () => {
    const { store, book, wrapUp } = await setUp(['gmail'], 200);
    await book.create(record('w4'));
    let error: Error | undefined;
    await wrapUp.finish('w4').catch((e: Error) => (error = e));
    expect(error?.name).to.equal('InvalidState');
    await book.transition('w4', { type: 'ended', outcome: 'missed' });
    wrapUp.stop(); // the hub stops during the wrap-up
    expect((await store.get('w4'))!.finalAt).to.equal(undefined);
    const next = new WrapUp(book, store, toAll(['gmail']));
    await next.start();
    await until(async () => (await store.get('w4'))?.finalAt !== undefined, 3000);
    expect(await store.countDeliveries()).to.equal(1);
    next.stop();
  });
});

describe('the logging outbox', () => {
  it('delivers each final call once per destination and writes the outcome to the record', async () => {
    const { store, book, wrapUp } = await setUp(['gmail', 'webhook-1']);
    const gmail = scripted(['ok']);
    const hook = scripted(['ok']);
    const { box } = outbox(store, book, { gmail: gmail.destination, 'webhook-1': hook.destination });
    for (const id of ['o1', 'o2', 'o3']) {
      await endedCall(book, id);
      await wrapUp.finish(id);
    }
    await box.kick();
    await box.kick();
    expect(gmail.seen.sort()).to.deep.equal(['o1', 'o2', 'o3']);
    expect(hook.seen.sort()).to.deep.equal(['o1', 'o2', 'o3']);
    expect(await store.countDeliveries()).to.equal(0);
    const r = (await store.get('o2'))!;
    expect(r.log?.gmail).to.include({ status: 'sent', attempts: 1 });
    expect(r.log?.gmail?.ref).to.match(/^m-\d$/);
    expect(r.log?.['webhook-1']).to.include({ status: 'sent' });
    wrapUp.stop();
  });

  it('a refusal that will never succeed stops at once and says why; a temporary one is retried after Retry-After', async () => {
    const { store, book, wrapUp } = await setUp(['gmail', 'webhook-1']);
    const gmail = scripted([new DeliveryError('Gmail answered 403 Forbidden: insufficientPermissions', 'never')]);
    const hook = scripted([new DeliveryError('The webhook answered 429', 'later', 300), 'ok']);
    const { box } = outbox(store, book, { gmail: gmail.destination, 'webhook-1': hook.destination });
    await endedCall(book, 'o4');
    await wrapUp.finish('o4');
    await box.kick();
    let r = (await store.get('o4'))!;
    expect(r.log?.gmail).to.include({ status: 'failed', reason: 'Gmail answered 403 Forbidden: insufficientPermissions' });
    expect(r.log?.['webhook-1']).to.include({ status: 'pending', reason: 'The webhook answered 429', attempts: 1 });
    const [waiting] = await store.deliveries();
    expect(waiting!.to).to.equal('webhook-1');
    // Due no sooner than Retry-After's 300 ms (the outbox's floor is 1 s).
    expect(waiting!.due - Date.now()).to.be.greaterThan(500);
    await until(async () => (await store.get('o4'))?.log?.['webhook-1']?.status === 'sent', 4000);
    expect(hook.seen).to.deep.equal(['o4', 'o4']);
    expect(gmail.seen).to.deep.equal(['o4']);
    r = (await store.get('o4'))!;
    expect(r.log?.['webhook-1']).to.include({ status: 'sent', attempts: 2 });
    box.stop();
    wrapUp.stop();
  });

  it('backs off exponentially with jitter on network failures', async () => {
    const { store, book, wrapUp } = await setUp(['webhook-1']);
    const hook = scripted([new DeliveryError('The network failed', 'later')]);
    const { box, setRandom } = outbox(store, book, { 'webhook-1': hook.destination });
    await endedCall(book, 'o5');
    await wrapUp.finish('o5');
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      setRandom(i % 2 ? 0 : 0.999);
      // Made due again by hand (as "Retry now" does): each failure pushes it further out.
      await box.kick({ all: true });
      await until(async () => (await store.deliveries())[0]!.attempts === i + 1);
      delays.push((await store.deliveries())[0]!.due - Date.now());
    }
    box.stop();
    // Windows of 5, 10, 20, 40 s: half fixed, half random.
    expect(delays[0]).to.be.within(4000, 5100);
    expect(delays[1]).to.be.within(4000, 5100);
    expect(delays[2]).to.be.within(19_000, 20_100);
    expect(delays[3]).to.be.within(19_000, 20_100);
    wrapUp.stop();
  });

  it('a paused destination (Gmail not connected) waits without spending attempts, and does not hold up the others', async () => {
    const { store, book, wrapUp } = await setUp(['gmail', 'webhook-1']);
    const hook = scripted(['ok']);
    const destinations: Record<string, Destination | string> = { gmail: 'Gmail is not connected', 'webhook-1': hook.destination };
    const { box } = outbox(store, book, destinations);
    for (let i = 0; i < 60; i++) {
      await endedCall(book, `p${i}`);
      await wrapUp.finish(`p${i}`);
    }
    await box.kick();
    expect(hook.seen).to.have.length(60);
    expect(box.waiting).to.equal('Gmail is not connected');
    const left = await store.deliveries(1000);
    expect(left).to.have.length(60);
    expect(left.every((d) => d.to === 'gmail' && d.attempts === 0)).to.equal(true);
    const gmail = scripted(['ok']);
    destinations.gmail = gmail.destination;
    await box.kick();
    expect(gmail.seen).to.have.length(60);
    expect(await store.countDeliveries()).to.equal(0);
    wrapUp.stop();
  });

  it('each destination has a lane of its own: Gmail\'s pacing never holds up a webhook', async () => {
    const { store, book, wrapUp } = await setUp(['gmail', 'webhook-1']);
    const order: string[] = [];
    const lane = (name: string, spacingMs: number): Destination => ({ spacingMs, deliver: async (id) => (order.push(`${name} ${id}`), { ref: id }) });
    const { box } = outbox(store, book, { gmail: lane('gmail', 150), 'webhook-1': lane('webhook', 0) });
    for (let i = 0; i < 6; i++) {
      await endedCall(book, `l${i}`);
      await wrapUp.finish(`l${i}`);
    }
    await box.kick();
    expect(order.filter((o) => o.startsWith('webhook'))).to.have.length(6);
    expect(order.filter((o) => o.startsWith('gmail'))).to.have.length(6);
    // Every webhook delivery went before Gmail's third (Gmail waits 150 ms between its own).
    expect(order.findIndex((o) => o === 'webhook l5')).to.be.lessThan(order.findIndex((o) => o === 'gmail l2'));
    wrapUp.stop();
  });

  it('a record deleted before it was logged drops its delivery', async () => {
    const { store, book, wrapUp } = await setUp(['webhook-1']);
    const { box } = outbox(store, book, { 'webhook-1': { spacingMs: 0, deliver: () => Promise.reject(Object.assign(new Error('gone'), { name: 'NotFound' })) } });
    await endedCall(book, 'o6');
    await wrapUp.finish('o6');
    await box.kick();
    expect(await store.countDeliveries()).to.equal(0);
    wrapUp.stop();
  });
});
