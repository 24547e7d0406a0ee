import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { useRig } from '../support/rig.mjs';
import { button, controlled, dial, eventually, incoming, openProfile, signIn, waitStatus } from '../support/browser.mjs';
import { callCard } from '../support/phones.mjs';

const history = (page) => page.getByRole('list', { name: 'Call history' });
const detail = (page) => page.getByRole('region', { name: 'Call details' });
const offlineBanner = (page) => page.getByText('Offline: calls resume when the connection is back.');

async function showHistory(page) {
  await button(page.getByRole('navigation', { name: 'Views' }), 'History').click();
  await page.getByRole('searchbox', { name: 'Search history' }).waitFor();
}

/** Waits until the history lists exactly these names or numbers, newest first. */
async function expectRows(page, names, message) {
  let last = [];
  await eventually(async () => {
    last = await history(page).getByRole('button').allTextContents();
    return last.length === names.length && names.every((n, i) => last[i].includes(n));
  }, { message: `${message}: want ${JSON.stringify(names)}, have ${JSON.stringify(last)}` });
}

/** The panel of a tab that started with no network: the app shell, the hub and the history all came from the cache. */
async function reviewOffline(page, who) {
  await offlineBanner(page).waitFor();
  await showHistory(page);
  await expectRows(page, who.all, `${who.name}: history offline`);
  const search = page.getByRole('searchbox', { name: 'Search history' });
  await search.fill(who.number);
  await expectRows(page, [who.numberMatch], `${who.name}: search by number offline`);
  await search.fill(who.word);
  await expectRows(page, [who.wordMatch], `${who.name}: search by a word in the notes offline`);
  await button(history(page), new RegExp(who.wordMatch)).click();
  await detail(page).getByRole('heading', { name: who.wordMatch }).waitFor();
  await eventually(async () => (await detail(page).getByLabel('Notes').inputValue()) === who.notes, { message: 'notes in the detail' });
}

describe('offline: no network, the web server and the PBX gone', () => {
  const rig = useRig();

  it('a reload and a new tab still open the panel, the history, search and call detail, with no new sign-in', async () => {
    const { pbx, site, browser } = rig;
    // First visit, online: 1005 stays signed in ("Remember me"); 1006 does not.
    const a = await openProfile(browser, site);
    const b = await openProfile(browser, site);
    const [pa, pb] = [a.pages[0], b.pages[0]];
    await signIn(pa, pbx, '1005', { remember: true, displayName: 'Ada Office' });
    await signIn(pb, pbx, '1006', { displayName: 'Grace Hopper' });
    await waitStatus(pa, 'Registered');
    await waitStatus(pb, 'Registered');
    await Promise.all([controlled(pa), controlled(pb)]);

    // Grace calls Ada, Ada answers and hangs up; then Ada dials a number Kamailio does not know.
    await dial(pb, '1005');
    await button(incoming(pa), 'Answer').click();
    await callCard(pa, 'Grace Hopper').getByText('In call').waitFor();
    await button(callCard(pa, 'Grace Hopper'), 'Hang up').click();
    await dial(pa, '+44 1632 960123');
    await showHistory(pa);
    await expectRows(pa, ['+441632960123', 'Grace Hopper'], 'Ada: both calls');
    await showHistory(pb);
    await expectRows(pb, ['1005'], 'Grace: her call');
    // A note on each side, written while online.
    for (const [page, who, notes] of [[pa, 'Grace Hopper', 'Quarterly invoice agreed'], [pb, '1005', 'Send the contract draft']]) {
      await button(history(page), new RegExp(who)).click();
      await detail(page).getByLabel('Notes').fill(notes);
      await detail(page).getByLabel('Notes').press('Tab');
      await detail(page).getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    }

    // The network goes, and the servers with it.
    await Promise.all([a.context.setOffline(true), b.context.setOffline(true)]);
    await offlineBanner(pa).waitFor();
    await Promise.all([site.close(), pbx.stop()]);
    const ada = {
      name: 'Ada', all: ['+441632960123', 'Grace Hopper'], number: '1632960123', numberMatch: '+441632960123',
      word: 'invoice', wordMatch: 'Grace Hopper', notes: 'Quarterly invoice agreed',
    };
    const grace = { name: 'Grace', all: ['1005'], number: '1005', numberMatch: '1005', word: 'contract', wordMatch: '1005', notes: 'Send the contract draft' };

    // Reload: the remembered account keeps trying in the background; review needs no sign-in.
    await pa.reload();
    await pa.getByRole('status').filter({ hasText: /Connecting|Offline/ }).waitFor();
    await reviewOffline(pa, ada);
    // A note typed offline is kept.
    await detail(pa).getByLabel('Notes').fill('Quarterly invoice agreed; typed on the train');
    await detail(pa).getByLabel('Notes').press('Tab');
    await detail(pa).getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    // Not remembered: once its last tab is closed and a new one opened offline, the sign-in form
    // shows, and the history of the last account still opens.
    await pb.close();
    await new Promise((r) => setTimeout(r, 500));
    const graceAgain = await b.context.newPage();
    await graceAgain.goto(site.url);
    await button(graceAgain, 'Sign in').waitFor();
    await reviewOffline(graceAgain, grace);

    // Every tab closed, so the hub stops; a tab opened offline (from the "History" shortcut) starts
    // everything from the cache.
    await pa.close();
    await new Promise((r) => setTimeout(r, 500));
    const fresh = await a.context.newPage();
    await fresh.goto(`${site.url}?view=history`);
    await fresh.getByRole('searchbox', { name: 'Search history' }).waitFor();
    await reviewOffline(fresh, { ...ada, notes: 'Quarterly invoice agreed; typed on the train' });
    assert.equal(await fresh.getByRole('button', { name: 'Sign in' }).count(), 0, 'no sign-in asked');
    await a.context.close();
    await b.context.close();
  });
});

describe('offline: the demo, once it ran under the service worker', () => {
  const rig = useRig({ pbx: false });

  it('starts again with no network (its chunks are cached when used, not precached)', async () => {
    const { site, browser } = rig;
    const { context, pages: [first] } = await openProfile(browser, site);
    await controlled(first);
    await first.close(); // the hub started before the service worker existed: let it stop
    await new Promise((r) => setTimeout(r, 500));
    const second = await context.newPage();
    await second.goto(site.url);
    await button(second, 'Try the demo').click();
    await waitStatus(second, 'Registered');
    await second.close();
    await new Promise((r) => setTimeout(r, 500));

    await context.setOffline(true);
    await site.close();
    const third = await context.newPage();
    await third.goto(site.url);
    await button(third, 'Try the demo').click();
    await waitStatus(third, 'Registered');
    await context.close();
  });
});

describe('offline: the deploy-time defaults', () => {
  const dir = '.tmp/dist-offline-config';
  before(() => {
    cpSync(process.env.PATCHBAY_DIST ?? 'dist', dir, { recursive: true });
    writeFileSync(`${dir}/config.json`, JSON.stringify({ server: 'wss://pbx.example.com/ws', sipDomain: 'pbx.example.com' }));
  });
  const rig = useRig({ pbx: false, site: { dir } });

  it('config.json is read from the network while there is one, else from the last copy', async () => {
    const { site, browser } = rig;
    const { context, pages: [page] } = await openProfile(browser, site);
    await controlled(page);
    const server = () => page.getByLabel('Server').inputValue();
    await eventually(async () => (await server()) === 'wss://pbx.example.com/ws', { message: 'server pre-filled' });
    // The admin changes it: the next load has the change, although the page itself comes from the cache.
    writeFileSync(`${dir}/config.json`, JSON.stringify({ server: 'wss://sip.example.com/ws', sipDomain: 'pbx.example.com' }));
    site.setDir(dir); // the static server reads file stats once per deployment
    await page.reload();
    await eventually(async () => (await server()) === 'wss://sip.example.com/ws', { message: 'the new server, online' });
    await page.close();
    await context.setOffline(true);
    await site.close();
    const offline = await context.newPage();
    await offline.goto(site.url);
    await eventually(async () => (await offline.getByLabel('Server').inputValue()) === 'wss://sip.example.com/ws', { message: 'the last server seen, offline' });
    assert.match(await offline.getByLabel('SIP address').getAttribute('placeholder'), /sip:1001@pbx\.example\.com/);
    await context.close();
  });
});
