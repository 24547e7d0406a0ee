import { expect } from 'chai';
import type { CallChange, CallRecord } from '../../src/shared/api.ts';
import { CallBook } from '../../src/worker/calls/call-book.ts';
import { freshBook, record } from './book-fixtures.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';

const fresh = () => freshBook();

describe('call book', () => {
  it('writes every change through to IndexedDB before announcing it', async () => {
    const { store, book } = await fresh();
    const seen: Array<{ type: string; persisted?: CallRecord }> = [];
    const pending: Promise<void>[] = [];
    book.subscribe((c) => {
      if (c.type === 'snapshot') return;
      pending.push(store.get(c.call.id).then((p) => void seen.push({ type: c.type, persisted: p })));
    });
    await book.create(record('a'));
    await book.transition('a', { type: 'answered' });
    await Promise.all(pending);
    expect(seen.map((s) => s.type)).to.deep.equal(['created', 'updated']);
    expect(seen[1]!.persisted?.state).to.equal('active');
  });

  it('a write that changes nothing bumps nothing and notifies nobody', async () => {
    const { book } = await fresh();
    const changes: CallChange[] = [];
    await book.create(record('b'));
    book.subscribe((c) => changes.push(c));
    const v1 = (await book.write('b', 'user', { notes: 'Wants a quote' })).version;
    const v2 = (await book.write('b', 'user', { notes: 'Wants a quote' })).version;
    expect(v2).to.equal(v1);
    expect(changes).to.have.length(1);
    expect(changes[0]).to.include({ type: 'updated' });
    expect((changes[0] as { changed: string[] }).changed).to.deep.equal(['notes']);
  });

  it('keeps who wrote each field and when', async () => {
    const { book } = await fresh();
    await book.create(record('c'));
    const r = await book.write('c', 'crm', { contact: { name: 'Ada Lovelace' } });
    expect(r.provenance.contact?.by).to.equal('crm');
    expect(r.provenance.contact?.at).to.be.a('number');
  });

  it('refuses a compare-and-set against a stale version with VersionConflict', async () => {
    const { book } = await fresh();
    const r = await book.create(record('d'));
    await book.write('d', 'user', { notes: 'one' }, r.version);
    let error: Error | undefined;
    await book.write('d', 'user', { notes: 'two' }, r.version).catch((e: Error) => (error = e));
    expect(error?.name).to.equal('VersionConflict');
    expect((await book.get('d'))?.notes).to.equal('one');
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

  it('keeps changes in memory and says so when the disk is full, then saves them later', async () => {
    const { store, book } = await fresh();
    await book.create(record('g'));
    const realPut = store.putMany.bind(store);
    let full = true;
    store.putMany = async (r) => {
      if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut(r);
    };
    const messages: Array<string | undefined> = [];
    book.onStorageError = (m) => messages.push(m);
    const changed = await book.write('g', 'user', { notes: 'typed while the disk was full' });
    expect(changed.notes).to.equal('typed while the disk was full');
    expect(book.storageError).to.match(/Storage is full/);
    full = false;
    await book.write('g', 'user', { tags: ['vip'] });
    expect(book.storageError).to.equal(undefined);
    expect((await store.get('g'))?.notes).to.equal('typed while the disk was full');
    expect(messages[0]).to.match(/Storage is full/);
  });
});
