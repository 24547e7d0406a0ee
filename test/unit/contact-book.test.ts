import { expect } from 'chai';
import type { ContactInput } from '../../src/shared/contacts.ts';
import { ContactBook } from '../../src/worker/contacts/contact-book.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';

let n = 0;
async function freshBook(): Promise<{ book: ContactBook; store: CallStore }> {
  const store = await CallStore.open(`test-contacts-${Date.now()}-${n++}`);
  const book = new ContactBook(store);
  await book.ready;
  return { book, store };
}

const contact = (name: string, numbers: string[], extra: Partial<ContactInput> = {}): ContactInput => ({
  name, emails: [], phones: numbers.map((number, i) => ({ number, type: i ? 'mobile' : 'work' })), source: 'user', ...extra,
});

describe('the address book', () => {
  it('ranks a name that starts with the text first, then a word of it, then the company, then anything containing it', async () => {
    const { book } = await freshBook();
    await book.addMany([
      contact('Adam Smith', ['+12025550101']),
      contact('Grace Adams', ['+12025550102']),
      contact('Lovelace Ada', ['+12025550103'], { company: 'Analytical Engines' }),
      contact('Bob Ray', ['+12025550104'], { company: 'Adastra Ltd' }),
      contact('Madame Roux', ['+12025550105']),
      contact('Ada Lovelace', ['+441632960123']),
    ]);
    const names = book.search('ada').map((m) => m.name);
    // "Ada Lovelace" starts with it; then names with a word starting with it, by name; then the company; then inside a word.
    expect(names).to.deep.equal(['Ada Lovelace', 'Adam Smith', 'Grace Adams', 'Lovelace Ada', 'Bob Ray', 'Madame Roux']);
  });

  it('finds a number from any part of it, in any format, and shows each matching number with its type', async () => {
    const { book } = await freshBook();
    await book.addMany([contact('Grace Hopper', ['+12025550147', '+12025559999']), contact('Alan Turing', ['+441632960555'])]);
    for (const typed of ['555 0147', '(202) 555-0147', '+1 202 555 0147', '0147', '2025550147']) {
      const found = book.search(typed);
      expect(found.map((m) => `${m.name} ${m.number} ${m.type}`), typed).to.deep.equal(['Grace Hopper +12025550147 work']);
    }
    // The national number, as a caller from the same country types it.
    expect(book.search('01632 960555').map((m) => m.name)).to.deep.equal(['Alan Turing']);
    // By name, every number of the contact is an option.
    expect(book.search('grace').map((m) => m.number)).to.deep.equal(['+12025550147', '+12025559999']);
  });

  it('puts favourites first within a rank, ignores accents and case, and caps the options', async () => {
    const { book } = await freshBook();
    const many = Array.from({ length: 30 }, (_, i) => contact(`Zoe ${String(i).padStart(2, '0')}`, [`+1202555${String(1000 + i)}`]));
    await book.addMany([...many, contact('Zoë Favourite', ['+12025550001'], { favourite: true })]);
    const found = book.search('ZOE', 5);
    expect(found).to.have.length(5);
    expect(found[0]!.name).to.equal('Zoë Favourite');
    expect(book.favourites().map((c) => c.name)).to.deep.equal(['Zoë Favourite']);
  });

  it('knows the contact behind a number (caller ID), and forgets it with the contact', async () => {
    const { book } = await freshBook();
    await book.addMany([contact('Grace Hopper', ['+12025550147'], { company: 'US Navy' })]);
    expect(book.lookup('+12025550147')?.company).to.equal('US Navy');
    expect(book.lookup('+12025550148')).to.equal(undefined);
    const id = book.lookup('+12025550147')!.id;
    await book.remove([id]);
    expect(book.lookup('+12025550147')).to.equal(undefined);
  });

  it('keeps contacts across a restart, and importing the same file twice adds nothing', async () => {
    const { book, store } = await freshBook();
    const file = [contact('Grace Hopper', ['+12025550147']), contact('Alan Turing', ['+441632960555'])];
    expect(await book.addMany(file)).to.deep.equal({ added: 2, duplicates: 0 });
    expect(await book.addMany(file)).to.deep.equal({ added: 0, duplicates: 2 });
    const again = new ContactBook(store);
    await again.ready;
    expect(again.size).to.equal(2);
    expect(again.lookup('+441632960555')?.name).to.equal('Alan Turing');
  });

  it('refuses a contact that breaks the schema, naming the field, and changes nothing', async () => {
    const { book } = await freshBook();
    let error: Error | undefined;
    await book.save({ name: '', emails: [], phones: [], source: 'user' }).catch((e: Error) => (error = e));
    expect(error?.name).to.equal('InvalidArgument');
    expect(error?.message).to.match(/name/i);
    expect(book.size).to.equal(0);
  });
});
