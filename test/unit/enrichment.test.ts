import { expect } from 'chai';
import type { CallChange } from '../../src/shared/api.ts';
import { checkPatch } from '../../src/shared/fields.ts';
import { freshBook, record as newRecord } from './book-fixtures.ts';

const ADA = '+441632960123';
const record = (id: string) => newRecord(id, Date.now(), ADA);
const fresh = () => freshBook('test-enrich');

function errorOf(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

describe('enrichment patches', () => {
  it('writes dotted paths with provenance per field and lists exactly what changed', async () => {
    const { book } = await fresh();
    await book.create(record('a'));
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));
    const r = await book.patch('a', 'crm', checkPatch({ 'contact.name': 'Ada Lovelace', contact: { company: 'Analytical Engines' } }));
    expect(r.contact).to.deep.equal({ name: 'Ada Lovelace', company: 'Analytical Engines' });
    expect(r.provenance['contact.name']?.by).to.equal('crm');
    expect(changes).to.have.length(1);
    expect((changes[0] as { changed: string[] }).changed).to.deep.equal(['contact.name', 'contact.company']);
    // The helpdesk adds a ticket; the CRM's name keeps its author.
    const r2 = await book.patch('a', 'helpdesk', checkPatch({ ticket: 'HD-42', 'contact.name': 'Ada Lovelace' }));
    expect(r2.version).to.equal(r.version + 1);
    expect(r2.provenance['contact.name']?.by).to.equal('crm');
    expect(r2.provenance.ticket?.by).to.equal('helpdesk');
    expect((changes[1] as { changed: string[] }).changed).to.deep.equal(['ticket']);
  });

  it('a patch that changes nothing notifies nobody, so app feedback loops die out', async () => {
    const { book } = await fresh();
    await book.create(record('b'));
    await book.patch('b', 'crm', checkPatch({ 'contact.company': 'Initech' }));
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));
    const again = await book.patch('b', 'helpdesk', checkPatch({ 'contact.company': 'Initech' }));
    expect(changes).to.have.length(0);
    expect(again.provenance['contact.company']?.by).to.equal('crm');
  });

  it('edits a call that is only in the store, and concurrent writers lose nothing', async () => {
    const { book, store } = await fresh();
    await book.create(record('c'));
    await book.transition('c', { type: 'ended', outcome: 'missed' });
    // An ended call stays in the cache for wrap-up until closed; then it lives in the store only.
    expect(book.cached().map((r) => r.id)).to.deep.equal(['c']);
    await book.close('c');
    expect(book.cached()).to.have.length(0);
    await Promise.all([
      book.patch('c', 'user', checkPatch({ notes: 'Call her back about the invoice' })),
      book.patch('c', 'crm', checkPatch({ 'contact.name': 'Grace Hopper' })),
      book.patch('c', 'helpdesk', checkPatch({ ticket: 'HD-7' })),
    ]);
    const saved = await store.get('c');
    expect(saved?.notes).to.equal('Call her back about the invoice');
    expect(saved?.contact?.name).to.equal('Grace Hopper');
    expect(saved?.ticket).to.equal('HD-7');
    expect(saved?.version).to.equal(2 + 3);
  });

  it('of two compare-and-set writers at the same version, exactly one wins', async () => {
    const { book } = await fresh();
    const r = await book.create(record('d'));
    const results = await Promise.allSettled([
      book.patch('d', 'crm', checkPatch({ subject: 'Renewal' }), r.version),
      book.patch('d', 'helpdesk', checkPatch({ subject: 'Outage' }), r.version),
    ]);
    expect(results.map((x) => x.status)).to.deep.equal(['fulfilled', 'rejected']);
    expect(((results[1] as PromiseRejectedResult).reason as Error).name).to.equal('VersionConflict');
    expect((await book.get('d'))?.subject).to.equal('Renewal');
  });

  it('opens a previous call in the cache, announces it, and closes it', async () => {
    const { book } = await fresh();
    await book.create(record('e'));
    await book.transition('e', { type: 'ended', outcome: 'missed' });
    await book.close('e');
    const changes: CallChange[] = [];
    book.subscribe((c) => changes.push(c));
    await book.open('e');
    expect(changes.map((c) => c.type)).to.deep.equal(['opened']);
    expect((await book.list({ live: true })).map((x) => x.id)).to.deep.equal(['e']);
    await book.patch('e', 'crm', checkPatch({ 'contact.name': 'Ada' }));
    expect(book.cached()[0]?.contact?.name).to.equal('Ada');
    await book.close('e');
    expect(changes.map((c) => c.type)).to.deep.equal(['opened', 'updated', 'closed']);
    expect(await book.list({ live: true })).to.have.length(0);
    let error: Error | undefined;
    await book.open('nope').catch((e: Error) => (error = e));
    expect(error?.name).to.equal('NotFound');
  });

  it('refuses PBX fields, prototype paths, other apps\' areas, bad shapes and oversized values, naming the field', () => {
    expect(errorOf(() => checkPatch({ state: 'ended' }))?.message).to.match(/state is a fact from the PBX/);
    expect(errorOf(() => checkPatch({ 'remote.number': '1' }))?.name).to.equal('PermissionDenied');
    expect(errorOf(() => checkPatch({ 'contact.nickname': 'x' }))?.message).to.match(/"contact.nickname" is not a field you can write/);
    expect(errorOf(() => checkPatch(JSON.parse('{"__proto__": {"polluted": 1}}')))?.name).to.equal('InvalidArgument');
    expect(errorOf(() => checkPatch({ 'contact.constructor': 'x' }))?.name).to.equal('InvalidArgument');
    expect(errorOf(() => checkPatch({ 'apps.crm.deal': 1 }, 'helpdesk'))?.name).to.equal('PermissionDenied');
    expect(errorOf(() => checkPatch({ tags: 'vip' }))?.message).to.match(/^tags must be/);
    expect(errorOf(() => checkPatch({ notes: 'x'.repeat(20_001) }))?.message).to.match(/notes must be at most 20000/);
    expect(errorOf(() => checkPatch({ 'contact.avatarUrl': 'javascript:alert(1)' }))?.message).to.match(/avatarUrl/);
    expect(errorOf(() => checkPatch({ 'apps.crm.blob': { big: 'x'.repeat(20_000) } }, 'crm'))?.message).to.match(/at most 16384/);
    expect(errorOf(() => checkPatch({ 'apps.crm.when': new Date() }, 'crm'))?.message).to.match(/plain JSON/);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    const ok = checkPatch({ 'apps.crm.deal': { id: 7, stage: 'won' }, notes: null }, 'crm');
    expect([...ok.entries()]).to.deep.equal([['apps.crm.deal', { id: 7, stage: 'won' }], ['notes', undefined]]);
  });
});
