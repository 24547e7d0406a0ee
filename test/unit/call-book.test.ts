import { expect } from 'chai';
import type { CallChange, CallRecord } from '../../src/shared/api.ts';
import { checkPatch } from '../../src/shared/fields.ts';
import { CallBook, MAX_OPENED } from '../../src/worker/calls/call-book.ts';
import { fillDisk, freshBook, record, until } from './book-fixtures.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';

const fresh = () => freshBook();

/** An ended call, as the store holds it after its wrap-up. */
const ended = (id: string, at: number): CallRecord => ({ ...record(id, at), state: 'ended', outcome: 'missed', endedAt: at + 1000 });

describe('call book', () => {
  it('writes every change through to IndexedDB before announcing it', async () => {
    const { store, book } = await fresh();
    const seen: Array<{ type: string; persisted?: CallRecord }> = [];
    const pending: Promise<void>[] = [];
    book.subscribe((c) => {
      pending.push(store.get(c.call.id).then((p) => void seen.push({ type: c.type, persisted: p })));
    });
    await book.create(record('a'));
    await book.transition('a', { type: 'answered' });
    await Promise.all(pending);
    expect(seen.map((s) => s.type)).to.deep.equal(['created', 'updated']);
    expect(seen[1]!.persisted?.state).to.equal('active');
  });

  it('a media state reported again bumps nothing and notifies nobody', async () => {
    const { book } = await fresh();
    const changes: CallChange[] = [];
    await book.create(record('b'));
    book.subscribe((c) => changes.push(c));
    const v1 = (await book.write('b', 'pbx', { media: 'connected' })).version;
    const v2 = (await book.write('b', 'pbx', { media: 'connected' })).version;
    expect(v2).to.equal(v1);
    expect(changes).to.have.length(1);
    expect(changes[0]).to.include({ type: 'updated' });
    expect((changes[0] as { changed: string[] }).changed).to.deep.equal(['media']);
  });

  it('keeps the PBX as the author of its facts, and when they happened', async () => {
    let now = 1_700_000_000_000;
    const { book } = await freshBook('test-book', { now: () => now });
    await book.create(record('c', now));
    now += 4000;
    const r = await book.transition('c', { type: 'answered' });
    expect(r.provenance.state).to.deep.equal({ by: 'pbx', at: now });
    expect(r.answeredAt).to.equal(now);
  });

  it('an ended call leaves the live set but stays readable from the store', async () => {
    const { book } = await fresh();
    await book.create(record('e'));
    await book.transition('e', { type: 'ended', outcome: 'missed' });
    expect(book.liveCalls()).to.have.length(0);
    expect((await book.get('e'))?.outcome).to.equal('missed');
    expect((await book.list({ limit: 10 })).map((r) => r.id)).to.include('e');
  });

  it('closes records a crash left live as interrupted when it starts again', async () => {
    const { store, name } = await fresh();
    await store.put({ ...record('f', Date.now() - 60_000), state: 'active', answeredAt: Date.now() - 50_000 });
    store.close();
    const reopened = await CallStore.open(name);
    const book = new CallBook(reopened);
    expect(await book.recover()).to.equal(1);
    const f = await reopened.get('f');
    expect(f?.state).to.equal('ended');
    expect(f?.outcome).to.equal('interrupted');
  });

  it('starts on a full disk, and saves the calls it closed as interrupted once there is space', async () => {
    const { store, name } = await fresh();
    await store.put({ ...record('f', Date.now() - 60_000), state: 'active', answeredAt: Date.now() - 50_000 });
    store.close();
    const reopened = await CallStore.open(name);
    const disk = fillDisk(reopened);
    const book = new CallBook(reopened);
    expect(await book.recover()).to.equal(1);
    expect(book.storageError).to.match(/Storage is full/);
    expect((await book.get('f'))?.outcome).to.equal('interrupted');
    expect((await reopened.get('f'))?.state).to.equal('active');
    disk.free();
    await book.create(record('f2'));
    expect((await reopened.get('f'))?.outcome).to.equal('interrupted');
    expect(book.storageError).to.equal(undefined);
  });

  it('when the disk fills mid-call, the call goes on, nothing is lost, and the banner stays until all is saved', async () => {
    const { store, book } = await fresh();
    await book.create(record('g'));
    await book.transition('g', { type: 'answered' });
    const messages: Array<string | undefined> = [];
    book.onStorageError = (m) => messages.push(m);
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));
    const disk = fillDisk(store);

    // The user types notes and the call ends while nothing can be written: both still happen.
    const noted = await book.patch('g', 'user', checkPatch({ notes: 'typed while the disk was full' }));
    expect(noted.notes).to.equal('typed while the disk was full');
    await book.transition('g', { type: 'ended', outcome: 'answered' });
    expect(changes.map((c) => c.type)).to.deep.equal(['updated', 'ended']);
    expect(book.storageError).to.match(/Storage is full.*kept in memory/);
    expect(messages[0]).to.equal(book.storageError);
    expect((await store.get('g'))?.state).to.equal('active');

    // Out of the cache after wrap-up, it is still read as it is, not as the disk has it.
    await book.close('g');
    expect(book.isCached('g')).to.equal(false);
    expect((await book.get('g'))?.notes).to.equal('typed while the disk was full');
    expect((await book.list({ limit: 5 })).find((r) => r.id === 'g')?.state).to.equal('ended');

    // Space is freed; the next change, on another call, saves the first one too.
    disk.free();
    await book.create(record('h'));
    const saved = await store.get('g');
    expect(saved?.state).to.equal('ended');
    expect(saved?.notes).to.equal('typed while the disk was full');
    expect(book.storageError).to.equal(undefined);
    expect(messages[messages.length - 1]).to.equal(undefined);
  });

  it('saves what the disk refused once space is freed, even if no call changes', async () => {
    const { store, book } = await freshBook('test-book', { retryMs: 50 });
    const disk = fillDisk(store);
    await book.create(record('i'));
    expect(book.storageError).to.match(/Storage is full/);
    await until(() => disk.failed >= 2);
    disk.free();
    await until(() => book.storageError === undefined);
    expect((await store.get('i'))?.id).to.equal('i');
  });

  it('an edit to a call held only on disk is refused by name when the disk is full, and changes nothing', async () => {
    const { store, book } = await fresh();
    await store.put(ended('j', Date.now() - 60_000));
    fillDisk(store);
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));
    let error: Error | undefined;
    await book.patch('j', 'user', checkPatch({ notes: 'lost?' })).catch((e: Error) => (error = e));
    expect(error?.name).to.equal('QuotaExceeded');
    expect(changes).to.have.length(0);
    expect((await book.get('j'))?.notes).to.equal(undefined);
  });

  it(`keeps at most ${MAX_OPENED} opened records: the oldest opened is closed and announced, live calls stay`, async () => {
    const { store, book } = await fresh();
    const t = Date.now() - 3_600_000;
    await book.create(record('live', t - 1));
    await store.putMany(Array.from({ length: MAX_OPENED + 2 }, (_, i) => ended(`old-${i}`, t + i)));
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));

    // A live call opened for the user is announced, but is not an opened record to trim.
    await book.open('live');
    for (let i = 0; i < MAX_OPENED; i++) await book.open(`old-${i}`);
    expect(changes.filter((c) => c.type === 'closed')).to.have.length(0);

    // The user looks at old-0 again: it is the newest opened now, so old-1 goes first.
    await book.open('old-0');
    await book.open(`old-${MAX_OPENED}`);
    expect(changes.filter((c) => c.type === 'closed').map((c) => c.call.id)).to.deep.equal(['old-1']);

    // A call that ends joins the opened records for its wrap-up and pushes the next oldest out.
    await book.transition('live', { type: 'ended', outcome: 'missed' });
    expect(changes.filter((c) => c.type === 'closed').map((c) => c.call.id)).to.deep.equal(['old-1', 'old-2']);
    expect(book.openedIds()).to.have.length(MAX_OPENED);
    expect(book.openedIds().slice(-3)).to.deep.equal(['old-0', `old-${MAX_OPENED}`, 'live']);
    expect(book.isCached('old-1')).to.equal(false);
  });

  it('never trims live calls, however many opened records come after them', async () => {
    const { store, book } = await fresh();
    const t = Date.now() - 3_600_000;
    for (let i = 0; i < 3; i++) await book.create(record(`live-${i}`, t - 10 + i));
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));
    await store.putMany(Array.from({ length: MAX_OPENED * 2 }, (_, i) => ended(`old-${i}`, t + i)));
    for (let i = 0; i < MAX_OPENED * 2; i++) await book.open(`old-${i}`);
    expect(book.liveCalls().map((r) => r.id)).to.deep.equal(['live-0', 'live-1', 'live-2']);
    expect(changes.filter((c) => c.type === 'closed' && c.call.id.startsWith('live'))).to.have.length(0);
    expect(changes.filter((c) => c.type === 'closed')).to.have.length(MAX_OPENED);
    expect(book.cached()).to.have.length(3 + MAX_OPENED);
  });
});
