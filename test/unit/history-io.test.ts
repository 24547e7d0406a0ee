import { expect } from 'chai';
import type { CallRecord, TabApi } from '../../src/shared/api.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';
import { CSV_COLUMNS, allPages, csvCell } from '../../src/worker/history/history.ts';
import { Hub } from '../../src/worker/hub-core.ts';
import { createTabApi } from '../../src/worker/tab-api.ts';
import { BASE, call } from './history-fixtures.ts';

let n = 0;
const DAY = 86_400_000;

async function everything(store: CallStore): Promise<CallRecord[]> {
  const out: CallRecord[] = [];
  for await (const page of allPages(store, {})) out.push(...page);
  return out;
}

/** A minimal RFC 4180 reader: rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('history over the TabApi: export, import, storage, retention', () => {
  let hub: Hub;
  let api: TabApi;

  beforeEach(async () => {
    hub = await Hub.start('build-a', `test-history-io-${Date.now()}-${n++}`);
    api = createTabApi(Promise.resolve(hub));
  });
  afterEach(() => hub.store.close());

  async function seed(records: CallRecord[]) {
    await hub.store.addMissing(records);
  }

  it('refuses bad queries with InvalidArgument, saying what is wrong', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ limit: 201 }, /at most 200/],
      [{ limit: 0 }, /at least 1/],
      [{ limit: 2.5 }, /whole number/],
      [{ filter: 'spam' }, /filter must be one of/],
      [{ search: 42 }, /search must be text/],
      [{ after: 'not-a-cursor' }, /cursor from a previous history page/],
      [{ after: btoa('[1,2]') }, /cursor/],
    ];
    for (const [q, message] of bad) {
      const e = (await api.history(q as never).catch((x: Error) => x)) as Error;
      expect(e.name, JSON.stringify(q)).to.equal('InvalidArgument');
      expect(e.message, JSON.stringify(q)).to.match(message);
    }
    const f = (await api.exportHistory({ format: 'xml' } as never).catch((x: Error) => x)) as Error;
    expect(f.name).to.equal('InvalidArgument');
    const g = (await api.importHistory(42 as never).catch((x: Error) => x)) as Error;
    expect(g.name).to.equal('InvalidArgument');
  });

  it('pages with the opaque `next` until it is absent', async () => {
    await seed(Array.from({ length: 7 }, (_, i) => call(i)));
    const first = await api.history({ limit: 3 });
    expect(first.calls.map((c) => c.id)).to.deep.equal(['call-00006', 'call-00005', 'call-00004']);
    const second = await api.history({ limit: 3, after: first.next });
    const third = await api.history({ limit: 3, after: second.next });
    expect(third.calls.map((c) => c.id)).to.deep.equal(['call-00000']);
    expect(third.next).to.equal(undefined);
  });

  it('exports CSV with a header, RFC 4180 quoting and spreadsheet formulas neutralised', async () => {
    await seed([
      call(1, { contact: { name: 'Ada, "Countess" Lovelace', company: '=HYPERLINK("http://evil")' }, notes: 'line one\nline two', tags: ['vip', '@home'] }),
      call(2, { direction: 'outbound', outcome: 'busy', answeredAt: undefined, talkSeconds: undefined, subject: '-2+3' }),
      call(3, { kind: 'lookup', outcome: undefined, remote: { number: '1003', uri: '' } }),
    ]);
    const csv = await api.exportHistory({ format: 'csv' });
    expect(csv.endsWith('\r\n')).to.equal(true);
    const rows = parseCsv(csv);
    expect(rows[0]).to.deep.equal([...CSV_COLUMNS]);
    expect(rows).to.have.length(4);
    const [lookup, outbound, ada] = rows.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]])));
    expect(ada).to.include({
      id: 'call-00001', direction: 'inbound', outcome: 'answered', number: "'+441632960123", name: 'Ada, "Countess" Lovelace',
      company: `'=HYPERLINK("http://evil")`, notes: 'line one\nline two', tags: "vip; @home", duration_s: '60',
      start: new Date(call(1).startedAt).toISOString(), end: new Date(call(1).endedAt!).toISOString(),
    });
    expect(outbound).to.include({ direction: 'outbound', outcome: 'busy', subject: "'-2+3", duration_s: '' });
    expect(lookup).to.include({ direction: 'lookup', outcome: '', number: '1003' });
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell('plain')).to.equal('plain');
  });

  it('exports the filtered view only when asked', async () => {
    await seed([call(1), call(2, { outcome: 'missed', answeredAt: undefined }), call(3, { direction: 'outbound', notes: 'quote' })]);
    const json = JSON.parse(await api.exportHistory({ format: 'json', filter: 'missed' })) as { calls: CallRecord[] };
    expect(json.calls.map((c) => c.id)).to.deep.equal(['call-00002']);
    const csv = parseCsv(await api.exportHistory({ format: 'csv', search: 'quote' }));
    expect(csv.slice(1).map((r) => r[0])).to.deep.equal(['call-00003']);
  });

  it('JSON export → import into an empty store round-trips exactly; importing again adds nothing', async () => {
    const records = Array.from({ length: 1203 }, (_, i) => call(i, {
      contact: i % 2 ? { name: `Person ${i}`, company: 'Acme', links: ['https://example.com'] } : undefined,
      notes: i % 3 ? `note ${i}` : undefined,
      tags: i % 5 ? undefined : ['a', 'b'],
      apps: i % 7 ? undefined : { crm: { dealId: i, nested: { ok: true, list: [1, 'two'] } } },
      provenance: { notes: { by: 'user', at: BASE + 1 }, 'apps.crm.dealId': { by: 'crm', at: BASE + 2 } },
      kind: i % 11 ? undefined : 'lookup',
    })).map((r) => JSON.parse(JSON.stringify(r)) as CallRecord);
    await seed(records);
    const json = await api.exportHistory({ format: 'json' });
    const parsed = JSON.parse(json) as { format: string; version: number; calls: CallRecord[] };
    expect(parsed).to.include({ format: 'patchbay-history', version: 1 });
    expect(parsed.calls).to.have.length(1203);

    const other = await Hub.start('build-a', `test-history-io-${Date.now()}-${n++}`);
    try {
      const otherApi = createTabApi(Promise.resolve(other));
      expect(await otherApi.importHistory(json)).to.deep.equal({ added: 1203, skipped: 0 });
      const a = await everything(hub.store);
      const b = await everything(other.store);
      expect(b).to.deep.equal(a);
      expect(b.find((r) => r.id === 'call-00007')?.apps).to.deep.equal({ crm: { dealId: 7, nested: { ok: true, list: [1, 'two'] } } });
      expect(await otherApi.importHistory(json)).to.deep.equal({ added: 0, skipped: 1203 });
      expect((await otherApi.storageInfo()).records).to.equal(1203);
      // Imported calls are searchable like any other.
      expect((await otherApi.history({ search: 'person 1201' })).calls.map((c) => c.id)).to.deep.equal(['call-01201']);
    } finally {
      other.store.close();
    }
  });

  it('rejects a hostile or broken file naming the call and the field, and writes nothing', async () => {
    await seed([call(1)]);
    const file = (calls: unknown[]) => JSON.stringify({ format: 'patchbay-history', version: 1, calls });
    const cases: Array<[string, RegExp]> = [
      ['{not json', /not JSON/],
      [JSON.stringify({ format: 'other', version: 1, calls: [] }), /not a Patchbay history export/],
      [JSON.stringify({ format: 'patchbay-history', version: 2, calls: [] }), /newer version/],
      [file([call(10), { ...call(11), startedAt: 'yesterday' }]), /Call 2 \(id "call-00011"\).*startedAt/],
      [file([call(10), call(12, { remote: { number: 42 } as never })]), /Call 2 \(id "call-00012"\).*remote\.number/],
      [file([{ ...call(13), state: 'exploded' }]), /Call 1 .*state/],
      [file([{ ...call(14), notes: 'x'.repeat(20_001) }]), /Call 1 .*notes: at most 20000 characters/],
      [file([null]), /Call 1 cannot be imported/],
    ];
    for (const [json, message] of cases) {
      const e = (await api.importHistory(json).catch((x: Error) => x)) as Error;
      expect(e.name, json.slice(0, 60)).to.equal('InvalidArgument');
      expect(e.message, json.slice(0, 60)).to.match(message);
    }
    expect((await everything(hub.store)).map((r) => r.id)).to.deep.equal(['call-00001']);
    // Unknown fields are dropped, not stored.
    const hostile = JSON.stringify(call(20)).replace(/^\{/, '{"__proto__":{"polluted":true},"isAdmin":true,');
    await api.importHistory(`{"format":"patchbay-history","version":1,"calls":[${hostile}]}`);
    const stored = await hub.store.get('call-00020');
    expect(stored).to.deep.equal(call(20));
    expect(Object.keys(stored!)).to.not.include('isAdmin');
    expect(({} as { polluted?: unknown }).polluted).to.equal(undefined);
    expect(Object.getPrototypeOf(stored)).to.equal(Object.prototype);
  });

  it('a 50 MB file is read and refused by name in seconds, markup is kept as text, and nothing else is touched', async () => {
    await seed([call(1)]);
    const head = '{"format":"patchbay-history","version":1,"calls":[';
    // 50 MB: a call whose notes alone are 50 MB.
    const big = `${head}${JSON.stringify({ ...call(30), notes: 'x'.repeat(50 * 2 ** 20) })}]}`;
    expect(big.length).to.be.greaterThan(50 * 2 ** 20);
    let t = performance.now();
    const e = (await api.importHistory(big).catch((x: Error) => x)) as Error;
    expect(e.message).to.match(/Call 1 \(id "call-00030"\) cannot be imported: notes: at most 20000 characters/);
    expect(performance.now() - t).to.be.below(10_000);
    // 50 MB of what is not JSON at all.
    t = performance.now();
    const junk = (await api.importHistory(`${head}${'{'.repeat(50 * 2 ** 20)}`).catch((x: Error) => x)) as Error;
    expect(junk.message).to.match(/not JSON/);
    expect(performance.now() - t).to.be.below(10_000);
    // Markup is data: stored and read back as the same text, never interpreted.
    const markup = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    await api.importHistory(`${head}${JSON.stringify({ ...call(31), notes: markup, contact: { name: markup } })}]}`);
    const stored = await hub.store.get('call-00031');
    expect(stored?.notes).to.equal(markup);
    expect(stored?.contact?.name).to.equal(markup);
    expect((await everything(hub.store)).map((r) => r.id).sort()).to.deep.equal(['call-00001', 'call-00031']);
  });

  it('refuses a hostile file (wild times, ids the API refuses, links that are not http(s), more than a user may write) naming the call, and writes nothing', async () => {
    await seed([call(1)]);
    const file = (calls: unknown[]) => JSON.stringify({ format: 'patchbay-history', version: 1, calls });
    const at = call(10).startedAt;
    const cases: Array<[unknown, RegExp]> = [
      [{ startedAt: 8.64e15 }, /startedAt: a time from 1990-01-01 to tomorrow, not \+275760-09-13/],
      [{ startedAt: 1e300 }, /startedAt: .* not 1e\+300/],
      [{ startedAt: Date.UTC(3000, 0, 1) }, /startedAt: .* not 3000-01-01/],
      [{ startedAt: Date.now() + 2 * DAY }, /startedAt: a time from 1990-01-01 to tomorrow/],
      [{ startedAt: Date.UTC(1989, 11, 31) }, /startedAt: .* not 1989-12-31/],
      [{ startedAt: -1 }, /startedAt/],
      [{ answeredAt: 8.64e15 }, /answeredAt: a time from/],
      [{ endedAt: 1e300 }, /endedAt: a time from/],
      [{ endedAt: at - 1000 }, /endedAt: a time no earlier than startedAt/],
      [{ events: [{ type: 'ringing', at: 8.64e15 }] }, /events\.0\.at: a time from/],
      [{ events: Array.from({ length: 10_001 }, () => ({ type: 'held', at })) }, /events: a list of at most 10000 events/],
      [{ provenance: { notes: { by: 'user', at: 1e300 } } }, /provenance\.notes\.at: a time from/],
      [{ id: 'x'.repeat(65) }, /id: a call id of at most 64 characters/],
      [{ contact: { links: ['https://example.com', 'javascript:alert(document.domain)'] } }, /contact\.links\.1: an http\(s\), mailto or tel URL/],
      [{ contact: { avatarUrl: 'data:image/svg+xml,<svg onload=alert(1)>' } }, /contact\.avatarUrl: an http\(s\) URL/],
      [{ contact: { links: Array.from({ length: 21 }, (_, i) => `https://example.com/${i}`) } }, /contact\.links: a list of at most 20 links/],
      [{ contact: { name: 'x'.repeat(201) } }, /contact\.name: at most 200 characters/],
      [{ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, /tags: a list of at most 50 entries/],
      [{ labels: ['x'.repeat(65)] }, /labels\.0: at most 64 characters/],
      [{ subject: 'x'.repeat(301) }, /subject: at most 300 characters/],
      [{ apps: { user: { note: 'passes as the user' } } }, /apps\b.*: an app id Patchbay does not keep for itself/],
      [{ apps: { crm: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) } }, /apps\.crm would hold 51 keys; at most 50/],
    ];
    for (const [fields, message] of cases) {
      const bad = { ...call(11), ...(fields as object) };
      const id = (fields as { id?: string }).id ?? 'call-00011';
      const e = (await api.importHistory(file([call(10), bad])).catch((x: Error) => x)) as Error;
      const what = JSON.stringify(fields).slice(0, 80);
      expect(e.name, what).to.equal('InvalidArgument');
      expect(e.message, what).to.match(new RegExp(`^Call 2 \\(id "${id.slice(0, 64)}"\\) cannot be imported: `));
      expect(e.message, what).to.match(message);
      expect(e.message, what).to.match(/Nothing was imported/);
    }
    // All or nothing: not even the good call before the bad one.
    expect((await everything(hub.store)).map((r) => r.id)).to.deep.equal(['call-00001']);

    // At the limits a user or an app may write, a call imports, and one with the longest id opens.
    const longest = 'y'.repeat(64);
    const edge = call(12, {
      id: longest,
      startedAt: Date.UTC(1990, 0, 1),
      endedAt: Date.now(),
      contact: { links: Array.from({ length: 20 }, (_, i) => `https://example.com/${i}`), avatarUrl: 'https://example.com/a.png' },
      tags: Array.from({ length: 50 }, (_, i) => `t${i}`),
    });
    expect(await api.importHistory(file([edge]))).to.deep.equal({ added: 1, skipped: 0 });
    expect((await api.openCall(longest)).contact?.links).to.have.length(20);
  });

  it('skips calls that were still in progress when exported', async () => {
    const live = call(2, { state: 'active', outcome: undefined, endedAt: undefined });
    const json = JSON.stringify({ format: 'patchbay-history', version: 1, calls: [call(1), live] });
    expect(await api.importHistory(json)).to.deep.equal({ added: 1, skipped: 1 });
    expect(await hub.store.get('call-00002')).to.equal(undefined);
  });

  it('a full disk during import stops with QuotaExceeded, rolls back that batch and keeps every existing record', async () => {
    const existing = Array.from({ length: 10 }, (_, i) => call(i, { notes: `original ${i}` }));
    await seed(existing);
    const incoming = Array.from({ length: 1500 }, (_, i) => call(100 + i));
    // Same ids as stored ones too, with other notes: those must be skipped, never overwritten.
    const json = JSON.stringify({ format: 'patchbay-history', version: 1, calls: [...existing.map((r) => ({ ...r, notes: 'overwritten' })), ...incoming] });
    // The disk fills up during the second batch of 500: the browser aborts that transaction.
    const put = IDBObjectStore.prototype.put;
    let puts = 0;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'calls' && ++puts === 700) {
        this.transaction.abort();
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.apply(this, args);
    } as IDBObjectStore['put'];
    let error: Error | undefined;
    try {
      await api.importHistory(json).catch((e: Error) => (error = e));
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(error?.name).to.equal('QuotaExceeded');
    expect(error?.message).to.match(/Storage is full: 490 of 1510 calls were imported/);
    const after = await everything(hub.store);
    expect(after).to.have.length(10 + 490);
    for (const r of existing) expect(after.find((x) => x.id === r.id)?.notes).to.equal(r.notes);
    // The rolled-back batch left no search entries behind either.
    expect((await api.history({ search: '01632', limit: 200 })).calls).to.have.length(200);
    expect(await hub.store.db.count('search')).to.equal(500);
  });

  it('a full disk on a single write is a QuotaExceeded error', async () => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    } as IDBObjectStore['put'];
    let error: Error | undefined;
    try {
      await hub.store.put(call(1)).catch((e: Error) => (error = e));
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(error?.name).to.equal('QuotaExceeded');
    expect(await hub.store.get('call-00001')).to.equal(undefined);
  });

  it('reports space used, persistence and the number of records', async () => {
    await seed([call(1), call(2)]);
    const info = await api.storageInfo();
    expect(info.records).to.equal(2);
    expect(info.usage).to.be.a('number');
    expect(info.quota).to.be.greaterThan(0);
    expect(info.persisted).to.be.a('boolean');
  });

  it('validates the retention setting', async () => {
    for (const bad of [0, -1, 1.5, 36501, '30', true]) {
      const e = (await api.updateSettings({ retentionDays: bad as never }).catch((x: Error) => x)) as Error;
      expect(e.name, String(bad)).to.equal('InvalidArgument');
      expect(e.message).to.match(/1 to 36500/);
    }
    expect((await api.updateSettings({ retentionDays: 30 })).retentionDays).to.equal(30);
    expect((await api.updateSettings({ retentionDays: '' as never })).retentionDays).to.equal(undefined);
    expect((await api.settings()).retentionDays).to.equal(undefined);
  });

  it('applies the retention setting when the hub starts', async () => {
    await api.updateSettings({ retentionDays: 30 });
    await hub.applyRetention();
    await seed([call(1, { startedAt: Date.now() - 31 * DAY }), call(2, { startedAt: Date.now() - DAY })]);
    const name = hub.store.db.name;
    hub.store.close();
    const again = await Hub.start('build-a', name);
    try {
      // Started by Hub.start itself, before it returned.
      const started = (again as unknown as { retention?: Promise<number> }).retention;
      expect(started, 'a retention pass is running').to.be.instanceOf(Promise);
      expect(await started).to.equal(1);
      expect((await everything(again.store)).map((r) => r.id)).to.deep.equal(['call-00002']);
    } finally {
      again.store.close();
    }
  });

  it('retention deletes ended calls older than the setting, keeps newer and live ones, and search forgets them', async () => {
    const now = Date.now();
    const old = Array.from({ length: 1200 }, (_, i) => call(i, { startedAt: now - 40 * DAY - i * 1000, notes: 'ancient' }));
    const recent = Array.from({ length: 5 }, (_, i) => call(5000 + i, { startedAt: now - 10 * DAY - i, notes: 'ancient' }));
    const stuck = call(9000, { startedAt: now - 50 * DAY, state: 'active', outcome: undefined, endedAt: undefined });
    await seed([...old, ...recent]);
    await hub.store.put(stuck);
    await api.updateSettings({ retentionDays: 30 });
    await hub.applyRetention(); // the change started it: this waits for it to finish
    expect(await hub.applyRetention()).to.equal(0);
    const left = await everything(hub.store);
    expect(left.map((r) => r.id).sort()).to.deep.equal([...recent.map((r) => r.id), stuck.id].sort());
    expect((await api.history({ search: 'ancient' })).calls).to.have.length(5);
    expect(await hub.store.db.count('search')).to.equal(6);
  });
});
