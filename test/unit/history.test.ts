import { expect } from 'chai';
import type { CallRecord, HistoryPage, HistoryQuery } from '../../src/shared/api.ts';
import { CallStore, DB_VERSION } from '../../src/worker/store/call-store.ts';
import { historyPage, MAX_SPAN, plan, tuning } from '../../src/worker/history/history.ts';
import { categoryOf, entryOf, matches, parseSearch, PERIOD, searchable } from '../../src/worker/store/search-index.ts';
import { BASE, call, freshStore } from './history-fixtures.ts';

let n = 0;

/** Every page of a query, following `next`; fails on a repeated record. */
async function pages(store: CallStore, q: HistoryQuery): Promise<{ ids: string[]; pages: HistoryPage[] }> {
  const ids: string[] = [];
  const all: HistoryPage[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await historyPage(store, { ...q, after });
    all.push(page);
    ids.push(...page.calls.map((c) => c.id));
    if (!page.next) break;
    after = page.next;
  }
  expect(new Set(ids).size, 'no record twice').to.equal(ids.length);
  return { ids, pages: all };
}

/** Newest first; calls that started at the same moment by id. */
const newestFirst = (rs: CallRecord[]) =>
  [...rs].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);

/** What a query must return, by brute force over every record. */
function expected(records: CallRecord[], q: HistoryQuery): string[] {
  const cat = { all: undefined, missed: 'missed', received: 'received', dialed: 'dialed' }[q.filter ?? 'all'];
  const terms = parseSearch(q.search ?? '');
  return newestFirst(records.filter((r) => (!cat || categoryOf(r) === cat) && matches(entryOf(r), terms)));
}

const people = ['Ada Lovelace', 'Grace Hopper', 'Zoë Ångström', 'Alan Turing', 'Edsger Dijkstra', "Siobhán O'Brien"];
const companies = ['Analytical Engines Ltd', 'Navy Labs', 'Nordic Optics', 'Bletchley Park', 'Eindhoven Systems'];
const noteWords = ['quote', 'invoice', 'renewal', 'complaint', 'delivery', 'refund', 'upgrade', 'callback'];

function varied(count: number): CallRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 7;
    const base = call(i, {
      contact: { name: people[i % people.length], company: companies[(i * 3) % companies.length] },
      notes: `${noteWords[i % noteWords.length]} ${noteWords[(i * 5 + 1) % noteWords.length]} ref ${1000 + i}`,
      remote: { number: `+4416329601${String(i % 50).padStart(2, '0')}`, uri: 'sip:x@pbx' },
      // Some share a start time, so paging must order by id too.
      startedAt: BASE + Math.floor(i / 3) * 60_000,
    });
    if (kind === 1) return { ...base, outcome: 'missed', answeredAt: undefined, talkSeconds: undefined };
    if (kind === 2) return { ...base, outcome: 'declined', answeredAt: undefined, talkSeconds: undefined };
    if (kind === 3) return { ...base, direction: 'outbound', outcome: 'busy', answeredAt: undefined, talkSeconds: undefined };
    if (kind === 4) return { ...base, direction: 'outbound' };
    if (kind === 5 && i % 2) return { ...base, kind: 'lookup', outcome: undefined, answeredAt: undefined };
    if (kind === 6 && i % 3 === 0) return { ...base, state: 'ringing', outcome: undefined, answeredAt: undefined, endedAt: undefined };
    return base;
  });
}

/** Writes a database at `version` with raw IndexedDB, as an earlier schema shipped it, and closes it. */
function writeRaw(name: string, version: number, upgrade: (db: IDBDatabase) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => upgrade(req.result);
    req.onsuccess = () => {
      req.result.close();
      resolve();
    };
    req.onerror = () => reject(req.error as Error);
  });
}

describe('history store: migrations', () => {
  it('a v1 database opens at the current version and its old calls are found by number in any format and by a word', async () => {
    const name = `test-history-v1-${Date.now()}-${n++}`;
    // The previous schema, written with raw IndexedDB as version 1 shipped it.
    await writeRaw(name, 1, (db) => {
      const calls = db.createObjectStore('calls', { keyPath: 'id' });
      calls.createIndex('startedAt', 'startedAt');
      calls.createIndex('state', 'state');
      const kv = db.createObjectStore('kv');
      kv.put({ ringtone: true, defaultCountry: 'GB' }, 'settings');
      // One number in E.164, one as the PBX sent it before the country was set.
      calls.put(call(1, { notes: 'Wants a quote for the renewal' }));
      calls.put(call(2, { remote: { number: '01632 960999', uri: 'sip:01632960999@pbx' }, contact: { name: 'Grace Hopper' } }));
      calls.put(call(3, { remote: { number: '1003', uri: 'sip:1003@pbx' } }));
    });
    const store = await CallStore.open(name);
    try {
      expect(store.db.version).to.equal(DB_VERSION);
      const ids = async (search: string) => (await historyPage(store, { search })).calls.map((c) => c.id);
      for (const form of ['+44 1632 960123', '01632960123', '1632960123', '01632 96', '+441632']) {
        expect(await ids(form), form).to.include('call-00001');
      }
      for (const form of ['+44 1632 960999', '01632960999', '1632960999', '0044 1632 960999']) {
        expect(await ids(form), form).to.deep.equal(['call-00002']);
      }
      expect(await ids('renew')).to.deep.equal(['call-00001']);
      expect(await ids('QUOTE')).to.deep.equal(['call-00001']);
      expect(await ids('grace')).to.deep.equal(['call-00002']);
      expect(await ids('1003')).to.deep.equal(['call-00003']);
      // The records come back exactly as stored: no index fields on them.
      const [r] = (await historyPage(store, { search: 'quote' })).calls;
      expect(r).to.deep.equal(call(1, { notes: 'Wants a quote for the renewal' }));
    } finally {
      store.close();
    }
  });
  it('a v2 database opens as v3: its entries move to the `terms` index and are found by number and word, newest first', async () => {
    const name = `test-history-v2-${Date.now()}-${n++}`;
    // Calls 40 days apart, so they fall in different periods of the v3 index.
    const old = [
      call(1, { startedAt: BASE, notes: 'Wants a quote for the renewal' }),
      call(2, { startedAt: BASE + 40 * 86_400_000, remote: { number: '+441632960999', uri: 'sip:x@pbx' }, contact: { name: 'Grace Hopper' }, notes: 'quote sent' }),
      call(3, { startedAt: BASE + 80 * 86_400_000, remote: { number: '1003', uri: 'sip:1003@pbx' }, notes: 'another quote' }),
    ];
    // The v2 schema as it shipped, written with raw IndexedDB: search entries without `terms`.
    await writeRaw(name, 2, (db) => {
      const calls = db.createObjectStore('calls', { keyPath: 'id' });
      calls.createIndex('startedAt', 'startedAt');
      calls.createIndex('state', 'state');
      calls.createIndex('time', ['startedAt', 'id'], { unique: true });
      db.createObjectStore('kv');
      const search = db.createObjectStore('search', { keyPath: ['t', 'id'] });
      search.createIndex('cat', ['cat', 't', 'id']);
      search.createIndex('words', 'words', { multiEntry: true });
      search.createIndex('numbers', 'numbers', { multiEntry: true });
      for (const r of old) {
        calls.put(r);
        search.put({ t: -r.startedAt, id: r.id, cat: categoryOf(r), ...searchable(r) });
      }
    });
    const store = await CallStore.open(name);
    try {
      expect(store.db.version).to.equal(DB_VERSION);
      const search = store.db.transaction('search').store;
      expect([...search.indexNames].sort()).to.deep.equal(['cat', 'terms']);
      const ids = async (search: string) => (await historyPage(store, { search })).calls.map((c) => c.id);
      expect(await ids('quote')).to.deep.equal(['call-00003', 'call-00002', 'call-00001']);
      expect(await ids('01632 960999')).to.deep.equal(['call-00002']);
      expect(await ids('+44 1632 960')).to.deep.equal(['call-00002', 'call-00001']);
      expect(await ids('hopper quote')).to.deep.equal(['call-00002']);
      expect(await ids('1003 quote')).to.deep.equal(['call-00003']);
      // A call written after the upgrade is found beside the migrated ones.
      await store.put(call(4, { startedAt: BASE + 120 * 86_400_000, notes: 'quote accepted' }));
      expect(await ids('quote')).to.deep.equal(['call-00004', 'call-00003', 'call-00002', 'call-00001']);
    } finally {
      store.close();
    }
  });
});

describe('history queries over many periods', function () {
  // Every query at every page size, page after page: some seconds, more on a busy machine.
  this.timeout(30_000);
  let store: CallStore;
  let records: CallRecord[];
  const saved = { ...tuning };

  before(async () => {
    store = await freshStore();
    // 420 calls about 4 days apart, back from BASE (a search walks no period after now's): some 55
    // periods of the `terms` index, most holding several calls.
    records = varied(420).map((r, i) => ({ ...r, startedAt: BASE - Math.floor(i / 3) * 11.5 * 86_400_000 - (i % 3 === 2 ? PERIOD / 2 : 0) }));
    await store.addMissing(records);
  });
  after(() => store.close());
  afterEach(() => Object.assign(tuning, saved));

  const queries: HistoryQuery[] = [
    { search: 'ada' }, { search: 'zoe angstrom' }, { search: 'invoice refund' }, { search: '+44 1632 96010' }, { search: '01632 960107' },
    { search: 'ref 1042' }, { search: 'hopper', filter: 'missed' }, { search: 'quote', filter: 'dialed' }, { search: 'nobody-here' },
    { search: 'turing 01632' }, { search: 'a' }, { search: 'e', filter: 'dialed' }, { search: 'nordic 0163296010' }, { search: 'brien' },
  ];

  it('finds exactly what a search over every record finds, page after page, as planned by cost', async () => {
    for (const q of queries) {
      for (const limit of [1, 7, 50]) {
        const { ids } = await pages(store, { ...q, limit });
        expect(ids, `${JSON.stringify(q)} by ${limit}`).to.deep.equal(expected(records, q));
      }
    }
  });

  it('gives the same answers with every term listed, or walked, when the budget runs out, and with the first plan kept', async () => {
    for (const t of [{ cap: 1_000_000 }, { cap: 0 }, { cap: 12, budget: 30, chunk: 7 }, { settle: 0 }, { settle: 0, cap: 3 }]) {
      Object.assign(tuning, saved, t);
      for (const q of queries) {
        const { ids } = await pages(store, { ...q, limit: 9 });
        expect(ids, `${JSON.stringify(q)} with ${JSON.stringify(t)}`).to.deep.equal(expected(records, q));
      }
    }
  });
});

describe('history queries', () => {
  let store: CallStore;
  let records: CallRecord[];
  const saved = { ...tuning };

  before(async () => {
    store = await freshStore();
    records = varied(420);
    await store.addMissing(records);
  });
  after(() => store.close());
  afterEach(() => Object.assign(tuning, saved));

  it('lists everything newest first in pages of at most `limit`, ties broken by id, no record twice', async () => {
    const { ids, pages: ps } = await pages(store, { limit: 200 });
    expect(ps.map((p) => p.calls.length)).to.deep.equal([200, 200, 20]);
    expect(ids).to.deep.equal(newestFirst(records));
  });

  it('files missed (with declined), received and dialed calls apart; lookups and ringing calls only under All', async () => {
    for (const filter of ['missed', 'received', 'dialed'] as const) {
      const { ids } = await pages(store, { filter, limit: 37 });
      expect(ids, filter).to.deep.equal(expected(records, { filter }));
      expect(ids.length, filter).to.be.greaterThan(20);
    }
    const missed = (await pages(store, { filter: 'missed' })).ids.map((id) => records.find((r) => r.id === id)!);
    expect(new Set(missed.map((r) => r.outcome))).to.deep.equal(new Set(['missed', 'declined']));
    const filtered = new Set((await Promise.all((['missed', 'received', 'dialed'] as const).map((f) => pages(store, { filter: f })))).flatMap((p) => p.ids));
    const onlyAll = records.filter((r) => !filtered.has(r.id));
    expect(onlyAll.length).to.be.greaterThan(0);
    expect(onlyAll.every((r) => r.kind === 'lookup' || r.state === 'ringing')).to.equal(true);
  });

  it('finds every call that matches all the words, by prefix, in names, companies, notes and numbers', async () => {
    const queries: HistoryQuery[] = [
      { search: 'ada' }, { search: 'LOVE' }, { search: 'zoe angstrom' }, { search: 'Zoë' }, { search: 'nordic ada' },
      { search: 'invoice refund' }, { search: '+44 1632 96010' }, { search: '01632 960107' }, { search: '1632960149' },
      { search: 'ref 1042' }, { search: 'hopper', filter: 'missed' }, { search: 'quote', filter: 'dialed' },
      { search: 'nobody-here' }, { search: 'turing 01632' }, { search: "o'brien" }, { search: 'OBrien' }, { search: 'brien' },
      { search: 'siobhan o’b' },
    ];
    for (const q of queries) {
      const { ids } = await pages(store, { ...q, limit: 23 });
      expect(ids, JSON.stringify(q)).to.deep.equal(expected(records, q));
    }
    expect((await pages(store, { search: 'zoe angstrom' })).ids.length).to.be.greaterThan(0);
    expect((await pages(store, { search: '+44 1632 96010' })).ids.length).to.be.greaterThan(0);
    const obrien = (await pages(store, { search: "O'Brien" })).ids;
    expect(obrien.length).to.be.greaterThan(0);
    expect((await pages(store, { search: 'brien' })).ids).to.deep.equal(obrien);
    expect((await pages(store, { search: 'siobhán obri' })).ids).to.deep.equal(obrien);
  });

  it('gives the same answers when terms are too broad to list and the walk runs out of budget', async () => {
    Object.assign(tuning, { cap: 12, budget: 30, chunk: 7 });
    const queries: HistoryQuery[] = [
      { search: 'a' }, { search: 'ada', filter: 'received' }, { search: 'invoice quote' }, { search: '01632', filter: 'missed' },
      { search: 'ref 1042' }, { search: 'e', filter: 'dialed' }, { search: 'nordic 0163296010' },
    ];
    let partial = 0;
    for (const q of queries) {
      const { ids, pages: ps } = await pages(store, { ...q, limit: 9 });
      expect(ids, JSON.stringify(q)).to.deep.equal(expected(records, q));
      partial += ps.filter((p) => p.next && p.calls.length < 9).length;
    }
    expect(partial, 'some pages stopped at the budget').to.be.greaterThan(0);
  });

  it('plans a search by cost: lists rare words, walks the time order for common ones', () => {
    // At 100,000 calls, a page of 50.
    expect(plan([60_000], 100_000, 50, false), 'a word in most calls: walk').to.deep.equal([]);
    expect(plan([1000], 100_000, 50, false), 'a rare word: list it').to.deep.equal([0]);
    expect(plan([60_000, 2000], 100_000, 50, false), 'list the rare one, check the common one').to.deep.equal([1]);
    expect(plan([3800, 3800], 100_000, 50, false), 'two words together in few calls: list both').to.deep.equal([0, 1]);
    expect(plan([20, 30], 100_000, 50, true), 'rare words and a filter: list both').to.deep.equal([0, 1]);
  });

  it("a long query reads in short transactions: a live call's write-through does not wait for it", async () => {
    Object.assign(tuning, { cap: 12, budget: 100_000, chunk: 7 });
    // Count the read transactions the query opens, and how many it had opened when the write landed.
    const transaction = IDBDatabase.prototype.transaction;
    let reads = 0;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if ((args[1] ?? 'readonly') === 'readonly') reads++;
      return transaction.apply(this, args);
    } as IDBDatabase['transaction'];
    try {
      // Two broad words no call has both of: the walk reads all 420 entries, 7 per read transaction.
      const query = historyPage(store, { search: 'ada hopper' });
      await new Promise((r) => setTimeout(r, 0));
      await store.put(call(10_000, { state: 'ringing', outcome: undefined, answeredAt: undefined, endedAt: undefined }));
      const readsWhenWritten = reads;
      expect((await query).calls).to.have.length(0);
      expect(reads).to.be.greaterThan(50);
      expect(readsWhenWritten, 'the write waited for at most a few reads').to.be.lessThan(reads / 4);
    } finally {
      IDBDatabase.prototype.transaction = transaction;
    }
  });
});

describe('history search over records stored with wild times', () => {
  // Stored straight into the database, as before imports checked times, or from a clock gone wrong.
  const real = varied(60);
  const saved = { ...tuning };
  afterEach(() => Object.assign(tuning, saved));

  /** The page, or a failure once `ms` have passed with no answer. */
  function answer<T>(p: Promise<T>, ms = 3000): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  }

  it('a call dated year 275760 or 1e300 still lists, and a search answers at once with the real calls', async () => {
    const store = await freshStore();
    try {
      const wild = [call(900, { startedAt: 8.64e15, notes: 'quote' }), call(901, { startedAt: 1e300, notes: 'quote' })];
      await store.addMissing([...real, ...wild]);
      expect((await pages(store, { limit: 200 })).ids.slice(0, 2)).to.deep.equal(['call-00901', 'call-00900']);
      for (const t of [{}, { cap: 1_000_000 }, { cap: 0 }]) {
        Object.assign(tuning, saved, t);
        for (const q of [{ search: 'quote' }, { search: '01632 9601' }, { search: 'nobody-here' }, { search: 'ada', filter: 'received' as const }]) {
          const page = await answer(historyPage(store, { ...q, limit: 200 }));
          expect(page.calls.map((c) => c.id), `${JSON.stringify(q)} ${JSON.stringify(t)}`).to.deep.equal(expected(real, q));
        }
      }
    } finally {
      store.close();
    }
  });

  it('a call dated year 3000 does not make a search walk ten centuries of periods', async () => {
    const store = await freshStore();
    try {
      await store.addMissing([...real, call(902, { startedAt: Date.UTC(3000, 0, 1), notes: 'quote' })]);
      // Count the index reads (a count or a list per term and period).
      const count = IDBIndex.prototype.count;
      const keys = IDBIndex.prototype.getAllKeys;
      let reads = 0;
      IDBIndex.prototype.count = function (this: IDBIndex, ...args: Parameters<IDBIndex['count']>) {
        reads++;
        return count.apply(this, args);
      } as IDBIndex['count'];
      IDBIndex.prototype.getAllKeys = function (this: IDBIndex, ...args: Parameters<IDBIndex['getAllKeys']>) {
        reads++;
        return keys.apply(this, args);
      } as IDBIndex['getAllKeys'];
      try {
        for (const q of [{ search: 'quote' }, { search: 'nobody-here' }]) {
          reads = 0;
          const page = await answer(historyPage(store, q));
          // A few reads per period from now's down to BASE's (a number that grows as the calendar
          // moves on, so the bound follows it); year 3000 is 12,000 periods away.
          const periods = Math.floor(Date.now() / PERIOD) - Math.floor(BASE / PERIOD) + 2;
          expect(reads, q.search).to.be.lessThan(4 * periods + 20);
          expect(page.calls.map((c) => c.id), q.search).to.deep.equal(expected(real, q).slice(0, 50));
        }
      } finally {
        IDBIndex.prototype.count = count;
        IDBIndex.prototype.getAllKeys = keys;
      }
    } finally {
      store.close();
    }
  });

  it("a call whose period wraps around onto a real period in the index is not found in that period's place", async () => {
    const store = await freshStore();
    try {
      // 65,536 periods on (one UTF-16 code unit further), its index keys read as BASE's period.
      await store.addMissing([...real, call(903, { startedAt: BASE + 65_536 * PERIOD, notes: 'quote' })]);
      for (const t of [{ cap: 1_000_000 }, { cap: 0 }, {}]) {
        Object.assign(tuning, saved, t);
        const page = await answer(historyPage(store, { search: 'quote', limit: 200 }));
        expect(page.calls.map((c) => c.id), JSON.stringify(t)).to.deep.equal(expected(real, { search: 'quote' }));
      }
    } finally {
      store.close();
    }
  });

  it('reads at most MAX_SPAN periods in one window, however few calls match', async () => {
    const store = await freshStore();
    try {
      // One call now and one 20 years back: a search for what neither holds doubles its window until it stops.
      await store.addMissing([call(1, { startedAt: Date.now() - 60_000 }), call(2, { startedAt: Date.now() - 20 * 365 * 86_400_000 })]);
      const count = IDBIndex.prototype.count;
      let most = 0;
      let inWindow = 0;
      const transaction = IDBDatabase.prototype.transaction;
      IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
        most = Math.max(most, inWindow);
        inWindow = 0;
        return transaction.apply(this, args);
      } as IDBDatabase['transaction'];
      IDBIndex.prototype.count = function (this: IDBIndex, ...args: Parameters<IDBIndex['count']>) {
        inWindow++;
        return count.apply(this, args);
      } as IDBIndex['count'];
      try {
        expect((await historyPage(store, { search: 'nobody' })).calls).to.deep.equal([]);
      } finally {
        IDBIndex.prototype.count = count;
        IDBDatabase.prototype.transaction = transaction;
      }
      most = Math.max(most, inWindow);
      expect(most, 'one count per period of the window').to.equal(MAX_SPAN);
    } finally {
      store.close();
    }
  });
});
