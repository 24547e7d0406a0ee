// What an app (or anyone else) sends the hub is bounded before it is walked, refused before it costs
// anything, and never reaches into the hub's own objects.
import { expect } from 'chai';
import { wrap, type ProxyMarked } from 'comlink';
import type { CallChange } from '../../src/shared/api.ts';
import { serveApp, type AppHost } from '../../src/worker/apps/app-api.ts';
import { AppOutbox } from '../../src/worker/apps/app-outbox.ts';
import { checkApps } from '../../src/worker/apps/app-registry.ts';
import { DialRequests } from '../../src/worker/apps/dial-requests.ts';
import { checkPatch, MAX_APP_KEYS, MAX_RECORD_BYTES } from '../../src/shared/fields.ts';
import { freshBook, record } from './book-fixtures.ts';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return 'accepted';
}

/** Time `fn` takes, in ms. */
function timed(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('guards on what apps send', () => {
  it('refuses sparse and oversized lists at once, wherever they are, without walking them', () => {
    const huge = new Array(2 ** 32 - 1);
    const holes = ['a', , 'b']; // eslint-disable-line no-sparse-arrays
    for (const [patch, want] of [
      [{ tags: huge }, /tags must be a list of at most 50/],
      [{ labels: new Array(1e7) }, /labels must be a list of at most 50/],
      [{ 'contact.links': huge }, /contact\.links must be a list of at most 20 links/],
      [{ tags: holes }, /tags must be a list with no holes/],
      [{ 'apps.crm.list': huge }, /apps\.crm\.list has more than \d+ entries/],
      [{ 'apps.crm.list': [1, , 2] }, /apps\.crm\.list must be plain JSON: a list with no holes/], // eslint-disable-line no-sparse-arrays
      [{ 'apps.crm.deep': { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: { a: 1 } } } } } } } } } } } } } } } } } } }, /nested more than/],
    ] as const) {
      let message = '';
      const ms = timed(() => (message = errorOf(() => checkPatch(patch, 'crm'))));
      expect(message).to.match(want);
      expect(ms, `${message} took ${ms} ms`).to.be.below(50);
    }
  });

  it('checks grants on every path before it looks at any value', () => {
    let touched = false;
    const trap = {
      get name() {
        touched = true;
        return 'x';
      },
    };
    const message = errorOf(() => checkPatch({ notes: new Array(1e9), contact: trap }, 'crm', (path) => path.startsWith('contact.')));
    expect(message).to.match(/^PermissionDenied: App "crm" may not write notes/);
    expect(touched, 'the contact value was read').to.equal(false);
  });

  it('caps each app\'s private area by keys and bytes, and the whole record by bytes', async () => {
    const { book } = await freshBook('test-guards');
    await book.create(record('a'));
    const keys = Object.fromEntries(Array.from({ length: MAX_APP_KEYS }, (_, i) => [`apps.crm.k${i}`, i]));
    await book.patch('a', 'crm', checkPatch(keys, 'crm'));
    const more = await book.patch('a', 'crm', checkPatch({ 'apps.crm.one-more': 1 }, 'crm')).catch((e: Error) => e);
    expect(String(more)).to.match(/apps\.crm would hold 51 keys; at most 50/);
    // Clearing a key makes room again, and takes the key's provenance with it.
    const cleared = await book.patch('a', 'crm', checkPatch({ 'apps.crm.k0': null }, 'crm'));
    expect(cleared.provenance['apps.crm.k0']).to.equal(undefined);
    expect((await book.patch('a', 'crm', checkPatch({ 'apps.crm.one-more': 1 }, 'crm'))).apps?.crm?.['one-more']).to.equal(1);
    // 40 apps of 15 KB each would pass each area's limit but not the record's.
    let error: unknown;
    for (let i = 0; i < 40 && !error; i++) {
      await book.patch('a', `app${i}`, checkPatch({ [`apps.app${i}.blob`]: 'x'.repeat(15_000) }, `app${i}`)).catch((e: unknown) => (error = e));
    }
    expect(String(error)).to.match(new RegExp(`the call record would be \\d+ bytes as JSON; at most ${MAX_RECORD_BYTES}`));
  });

  it('drops a field\'s provenance when the field is cleared', async () => {
    const { book } = await freshBook('test-guards');
    await book.create(record('b'));
    await book.patch('b', 'crm', checkPatch({ 'contact.name': 'Ada', notes: 'hi' }));
    const r = await book.patch('b', 'crm', checkPatch({ 'contact.name': null }));
    expect(Object.keys(r.provenance).filter((k) => k.includes('.') || k === 'notes')).to.deep.equal(['notes']);
  });
});

describe('app ids and addresses', () => {
  const app = { name: 'X', url: 'https://x.example.net/', grants: ['read'] };
  it('refuses ids Patchbay keeps for itself and JavaScript\'s special names', () => {
    for (const id of ['user', 'pbx', 'contacts', 'constructor', 'prototype']) {
      expect(errorOf(() => checkApps([{ ...app, id }], 'admin', 'https://phone.example.com')), id).to.match(/App 1: id: an id other than user/);
    }
  });

  it('keeps one spelling of an app\'s address', () => {
    const [a] = checkApps([{ ...app, id: 'x', url: 'HTTP://LocalHost:80/App?q=1' }], 'admin', 'https://phone.example.com');
    expect(a!.url).to.equal('http://localhost/App?q=1');
  });

  it('keeps an app\'s waiting changes in Maps: an id like "constructor" never touches Object', async () => {
    const { store } = await freshBook('test-guards');
    const outbox = new AppOutbox(store);
    const change = { type: 'updated', call: record('c'), changed: ['notes'], by: 'user' } satisfies CallChange;
    outbox.note(change, ['constructor', '__proto__']);
    expect([...(await outbox.take('constructor'))]).to.deep.equal([['c', ['notes']]]);
    expect(Object.hasOwn(Object, 'c')).to.equal(false);
    expect(({} as Record<string, unknown>).c).to.equal(undefined);
    // A write by an app is not kept for others: they hear it live when connected.
    outbox.note({ ...change, by: 'crm' }, ['helpdesk']);
    expect((await outbox.take('helpdesk')).size).to.equal(0);
  });
});

describe('calls apps ask for', () => {
  const crm = { id: 'crm', name: 'CRM' };
  const make = () => {
    const dialled: string[] = [];
    const shown: string[][] = [];
    const requests = new DialRequests(
      () => 'pbx.example.com',
      async (t) => {
        dialled.push(t);
        return `call-${dialled.length}`;
      },
      (list) => shown.push(list.map((r) => `${r.appName}: ${r.target}`)),
    );
    return { requests, dialled, shown };
  };

  it('dials nothing until the user says Call, and refuses on Cancel', async () => {
    const { requests, dialled, shown } = make();
    const first = requests.ask(crm, '+1 555 0100');
    expect(shown.at(-1)).to.deep.equal(['CRM: +1 555 0100']);
    expect(dialled).to.deep.equal([]);
    await requests.decide(first.id, true);
    expect(await first.placed).to.equal('call-1');
    expect(dialled).to.deep.equal(['+1 555 0100']);
    const second = requests.ask(crm, '1002');
    await requests.decide(second.id, false);
    expect(await second.placed.catch((e: Error) => `${e.name}: ${e.message}`)).to.equal('PermissionDenied: The user cancelled the call');
    expect(dialled).to.have.length(1);
    expect(shown.at(-1)).to.deep.equal([]);
  });

  it('lets one request per app wait, and reaches only numbers or the PBX\'s own domain', () => {
    const { requests } = make();
    requests.ask(crm, '1002');
    expect(errorOf(() => requests.ask(crm, '1003'))).to.match(/^RateLimited: A call that CRM asked for is already waiting/);
    const other = { id: 'other', name: 'Other' };
    for (const target of ['sip:alice@evil.example', 'alice@evil.example', 'sip:1002@pbx.example.com.evil.example', 'javascript:1', 'alice']) {
      expect(errorOf(() => requests.ask(other, target)), target).to.match(/^PermissionDenied: Apps may call numbers/);
    }
    expect(errorOf(() => requests.ask(other, 'sip:1003@PBX.example.com'))).to.equal('accepted');
  });

  it('refuses what waits when the app goes', async () => {
    const { requests, dialled } = make();
    const r = requests.ask(crm, '1002');
    requests.withdrawApp('crm', 'The app was removed');
    expect(await r.placed.catch((e: Error) => e.message)).to.equal('The app was removed');
    expect(String(await requests.decide(r.id, true).catch((e: Error) => e.name))).to.equal('NotFound');
    expect(dialled).to.deep.equal([]);
  });
});

describe('an app\'s rate', () => {
  it('follows the registry at once: an administrator who raises it needs no restart', async () => {
    const { book, store } = await freshBook('test-guards');
    await book.create(record('r'));
    const app = { id: 'slow', name: 'Slow', url: 'https://slow.example/', grants: ['read'], source: 'admin' as const, origin: 'https://slow.example', rate: 2 };
    const host = { book, outbox: new AppOutbox(store), dialRequests: {}, app: () => app } as unknown as AppHost;
    const channel = new MessageChannel();
    serveApp(channel.port1, 'slow', host);
    const hub = wrap<{ calls: ProxyMarked & { list(): unknown[] } }>(channel.port2);
    const burst = () => Promise.all(Array.from({ length: 20 }, () => hub.calls.list().then(() => 'ok', (e: Error) => e.name)));
    expect((await burst()).filter((r) => r === 'RateLimited').length).to.be.greaterThan(10);
    app.rate = 1_000_000;
    await new Promise((r) => setTimeout(r, 20));
    expect(await burst()).to.deep.equal(Array(20).fill('ok'));
  });
});
