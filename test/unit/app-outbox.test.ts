import { expect } from 'chai';
import type { Author, CallChange } from '../../src/shared/api.ts';
import { AppOutbox } from '../../src/worker/apps/app-outbox.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';
import { record, until } from './book-fixtures.ts';

/** The outbox keeps this many calls per app (MAX_CALLS in app-outbox.ts). */
const MAX_CALLS = 200;

let n = 0;
async function fresh() {
  const name = `test-outbox-${Date.now()}-${n++}`;
  const store = await CallStore.open(name);
  return { store, name, outbox: new AppOutbox(store) };
}

const edit = (id: string, changed: string[], by: Author = 'user'): CallChange => ({ type: 'updated', call: record(id), changed, by });

describe('apps outbox', () => {
  it(`keeps the user's changes for an app that is away, for its last ${MAX_CALLS} calls, oldest out first`, async () => {
    const { outbox } = await fresh();
    for (let i = 0; i <= MAX_CALLS; i++) outbox.note(edit(`c${i}`, ['notes']), ['crm']);
    // c1 is edited again: it is the newest now, so it stays when c2 goes.
    outbox.note(edit('c1', ['tags']), ['crm']);
    outbox.note(edit('c-last', ['notes']), ['crm']);
    const kept = await outbox.take('crm');
    expect(kept.size).to.equal(MAX_CALLS);
    expect(kept.has('c0')).to.equal(false);
    expect(kept.has('c2')).to.equal(false);
    expect([...kept.keys()].slice(-2)).to.deep.equal(['c1', 'c-last']);
    expect(kept.get('c1')).to.deep.equal(['notes', 'tags']);
    expect((await outbox.take('crm')).size, 'taken once').to.equal(0);
  });

  it('keeps nothing for an app that is connected, or for changes the user did not make', async () => {
    const { outbox } = await fresh();
    const leave = outbox.connect('crm');
    outbox.note(edit('a', ['notes']), ['crm', 'helpdesk']);
    outbox.note(edit('b', ['ticket'], 'helpdesk'), ['crm', 'helpdesk']);
    outbox.note(edit('c', ['media'], 'pbx'), ['crm', 'helpdesk']);
    expect([...(await outbox.take('crm')).keys()]).to.deep.equal([]);
    expect([...(await outbox.take('helpdesk')).keys()]).to.deep.equal(['a']);
    leave();
    outbox.note(edit('d', ['notes']), ['crm']);
    expect([...(await outbox.take('crm')).keys()]).to.deep.equal(['d']);
  });

  it('survives the hub restarting', async () => {
    const { store, name, outbox } = await fresh();
    outbox.note(edit('a', ['notes']), ['crm']);
    await until(async () => ((await store.getValue<unknown[]>('app-outbox')) ?? []).length > 0);
    store.close();
    const again = new AppOutbox(await CallStore.open(name));
    expect([...(await again.take('crm')).entries()]).to.deep.equal([['a', ['notes']]]);
  });
});
