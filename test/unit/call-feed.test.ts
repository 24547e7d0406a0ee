// The call feed, end to end at module level: the hub's side (worker/calls/call-feed.ts) on a real call
// book and store, the follower's `CallMirror` (shared/call-feed.ts) as tabs and the SDK keep it. The
// oracle is the book itself: after any sequence of writes, the follower's copy equals the hub's record.
import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/api.ts';
import { CallMirror, FEED_KNOWN_CALLS, type FeedEvent, type FeedItem } from '../../src/shared/call-feed.ts';
import { checkPatch } from '../../src/shared/fields.ts';
import { openFeed } from '../../src/worker/calls/call-feed.ts';
import { freshBook, record } from './book-fixtures.ts';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** Random writes of the kinds apps and the user make: set, change, clear, own areas. */
function somePatch(next: () => number, i: number): Record<string, unknown> {
  const pick = Math.floor(next() * 6);
  if (pick === 0) return { 'contact.name': `Name ${i}` };
  if (pick === 1) return { notes: next() < 0.3 ? null : `note ${i}` };
  if (pick === 2) return { tags: next() < 0.3 ? null : [`t${i % 7}`, `u${i % 3}`] };
  if (pick === 3) return { 'contact.name': null, 'contact.company': `Co ${i}` };
  if (pick === 4) return { 'apps.crm.seq': i, 'apps.crm.flag': next() < 0.5 ? null : true };
  return { ticket: `T-${i}`, subject: next() < 0.5 ? null : `S ${i}` };
}

async function follow(calls: number, mirrorLimit: number, { drop, ended = false }: { drop?: (batch: number) => boolean; ended?: boolean } = {}) {
  const { book } = await freshBook('test-feed');
  for (let i = 0; i < calls; i++) {
    await book.create(record(`c${i}`, Date.now() - calls + i));
    if (ended) await book.transition(`c${i}`, { type: 'ended', outcome: 'missed' });
  }
  const told: FeedEvent[] = [];
  let refetched = 0;
  const mirror = new CallMirror(
    (e) => told.push(e),
    async (id) => {
      refetched++;
      return book.get(id);
    },
    mirrorLimit,
  );
  let batch = 0;
  const feed = openFeed(book, () => book.cached(), (items: FeedItem[]) => {
    if (!drop?.(batch++)) mirror.apply(items);
  });
  await settle();
  return { book, mirror, feed, told, refetches: () => refetched };
}

async function expectSame(book: Awaited<ReturnType<typeof freshBook>>['book'], mirror: CallMirror) {
  await settle();
  await settle();
  expect(mirror.calls.size).to.be.greaterThan(0);
  for (const [id, copy] of mirror.calls) {
    const real = (await book.get(id)) as CallRecord;
    expect(copy, `call ${id}`).to.deep.equal(real);
  }
}

describe('the call feed', () => {
  it('after any sequence of writes over more calls than the hub remembers, the follower\'s copy equals the hub\'s record', async () => {
    const calls = FEED_KNOWN_CALLS + 20;
    const { book, mirror, told } = await follow(calls, calls + 50);
    expect(told.filter((e) => e.type === 'current')).to.have.length(calls);
    const next = random(7);
    for (let i = 0; i < 600; i++) {
      const id = `c${Math.floor(next() * calls)}`;
      const fields = somePatch(next, i);
      await book.patch(id, next() < 0.5 ? 'crm' : 'user', checkPatch(fields, 'crm'));
    }
    await expectSame(book, mirror);
    expect(mirror.calls.size).to.equal(calls);
  });

  it('writes made together in one turn arrive as one message, mostly as deltas', async () => {
    const { book } = await freshBook('test-feed');
    await book.create(record('one'));
    const batches: FeedItem[][] = [];
    openFeed(book, () => book.cached(), (items) => batches.push(items));
    await settle();
    await Promise.all(Array.from({ length: 20 }, (_, i) => book.patch('one', 'crm', checkPatch({ 'apps.crm.seq': i }, 'crm'))));
    await settle();
    expect(batches.length).to.be.at.most(3);
    const items = batches.slice(1).flat();
    expect(items).to.have.length(20);
    expect(items.every((x) => 'delta' in x)).to.equal(true);
  });

  it('a missed message is read again, and the copy catches up', async () => {
    const { book, mirror, refetches } = await follow(5, 50, { drop: (batch) => batch === 3 });
    const next = random(11);
    for (let i = 0; i < 60; i++) {
      await book.patch(`c${i % 5}`, 'crm', checkPatch(somePatch(next, i), 'crm'));
    }
    await expectSame(book, mirror);
    expect(refetches()).to.be.greaterThan(0);
  });

  it('a follower that keeps fewer calls than the hub remembers still ends equal (it reads what it dropped)', async () => {
    // Ended calls: a follower keeps the calls in progress whatever its limit, and drops ended ones first.
    const { book, mirror } = await follow(40, 10, { ended: true });
    const next = random(3);
    for (let i = 0; i < 200; i++) await book.patch(`c${Math.floor(next() * 40)}`, 'crm', checkPatch(somePatch(next, i), 'crm'));
    await expectSame(book, mirror);
    expect(mirror.calls.size).to.be.at.most(10);
  });

  it('a cleared field leaves the copy with neither the value nor its author', async () => {
    const { book, mirror } = await follow(1, 10);
    await book.patch('c0', 'crm', checkPatch({ 'contact.name': 'Ada', notes: 'x' }));
    await book.patch('c0', 'crm', checkPatch({ 'contact.name': null }));
    await expectSame(book, mirror);
    const copy = mirror.calls.get('c0')!;
    expect(copy.contact).to.equal(undefined);
    expect(copy.provenance['contact.name']).to.equal(undefined);
    expect(copy.provenance.notes?.by).to.equal('crm');
  });
});
