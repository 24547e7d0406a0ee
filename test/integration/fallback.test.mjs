// Browsers without SharedWorker (some Android browsers, embedded web views): one tab hosts the hub in a
// dedicated worker, the others reach it with MessagePorts the service worker carries; when the host
// closes, another tab takes over. This file always runs in that mode.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { button, controlled, eventually, hideSharedWorker, incoming, openProfile, openTab, signIn, waitStatus } from '../support/browser.mjs';
import { appConnected, appFrame, probe, useAppsRig } from '../support/apps.mjs';
import { audioConnected, callCard, phone, recentText } from '../support/phones.mjs';
import { registeredContacts } from '../support/registrar.mjs';
import { useRig } from '../support/rig.mjs';

/** The pages that run the hub (a dedicated worker loaded from hub.js). */
function hosts(pages) {
  return pages.filter((p) => p.workers().some((w) => new URL(w.url()).pathname.endsWith('/hub.js')));
}

async function ring(caller, pages) {
  await caller.page.getByRole('combobox', { name: 'Number' }).fill('1002');
  await button(caller.page, 'Call').click();
  for (const p of pages) await incoming(p).waitFor({ timeout: 15000 });
}

describe('without SharedWorker, one tab hosts the hub', () => {
  const rig = useRig({ pbx: { rtpengine: true } });
  before(() => hideSharedWorker(rig.browser));

  it('three tabs share one registration and every call; another tab takes over the sign-in when the host closes', async () => {
    const { pbx, site, browser } = rig;
    const { context, pages } = await openProfile(browser, site);
    const caller = await phone(browser, site, pbx, '1001');
    try {
      const [first] = pages;
      assert.equal(await first.evaluate(() => 'SharedWorker' in globalThis), false, 'the page has no SharedWorker');
      await controlled(first);
      await signIn(first, pbx, '1002');
      await waitStatus(first, 'Registered');
      for (let i = 1; i < 3; i++) pages.push(await openTab(context, site));
      for (const p of pages) await waitStatus(p, 'Registered');
      assert.equal(hosts(pages).length, 1, 'one tab hosts the hub');
      const before = await registeredContacts(pbx, '1002');
      assert.equal(before.length, 1, `one binding at the registrar for three tabs: ${before.join(' ')}`);
      await first.getByText('Settings', { exact: true }).click();
      await first.getByText('The phone runs in one of your Patchbay tabs').waitFor();

      // A call rings in every tab and is answered in one that does not host the hub.
      const [host] = hosts(pages);
      const rest = pages.filter((p) => p !== host);
      await ring(caller, pages);
      await button(incoming(rest[0]), 'Answer').click();
      await audioConnected(caller.page, '1002');
      for (const p of pages) await callCard(p, '1001').waitFor();

      // The host closes mid-call: the next tab in line starts the hub, which registers again and
      // closes the call it finds left live as interrupted.
      pbx.resetCounts();
      await host.close();
      await eventually(() => hosts(rest).length === 1, { timeout: 20000, message: 'another tab hosts the hub' });
      await pbx.waitForCounts((c) => (c.registrationsByUser['1002'] ?? 0) >= 1, 20000);
      for (const p of rest) await waitStatus(p, 'Registered', 20000);
      for (const p of rest) await eventually(async () => /Incoming, interrupted/.test(await recentText(p)), { timeout: 15000, message: 'the call left live ends as interrupted' });
      // The new hub registers with the profile's `+sip.instance`: its binding replaces the old hub's.
      const after = await registeredContacts(pbx, '1002');
      assert.equal(after.length, 1, `one binding after the takeover: ${after.join(' ')}`);
      assert.ok(!before.includes(after[0]), `the new hub's binding: ${after[0]}`);
      await button(callCard(caller.page, '1002'), 'Hang up').click();

      // The history is the same IndexedDB: the call is there in the history view.
      await button(rest[1].getByRole('navigation', { name: 'Views' }), 'History').click();
      await rest[1].getByRole('list', { name: 'Call history' }).getByRole('button', { name: /Incoming,? interrupted,? 1001\b/ }).waitFor();
      await button(rest[1].getByRole('navigation', { name: 'Views' }), 'Phone').click();

      // A call after the takeover rings in both tabs left and connects audio.
      await ring(caller, rest);
      await button(incoming(rest[1]), 'Answer').click();
      await audioConnected(caller.page, '1002');
      for (const p of rest) await audioConnected(p, '1001');
      await button(callCard(rest[0], '1001'), 'Hang up').click();
      for (const p of rest) await eventually(async () => /Incoming, answered/.test(await recentText(p)), { message: 'answered, in every tab' });
      await eventually(async () => /Outgoing, answered/.test(await recentText(caller.page)), { message: 'the caller logs it' });
    } finally {
      await caller.close();
      await context.close();
    }
  });

  it('a sign-in without "Remember me" goes on after a takeover, and not after the last tab closed', async () => {
    const { pbx, site, browser } = rig;
    const { context, pages } = await openProfile(browser, site, { tabs: 2 });
    try {
      await controlled(pages[0]);
      await signIn(pages[0], pbx, '1003');
      for (const p of pages) await waitStatus(p, 'Registered');
      const [host] = hosts(pages);
      const [other] = pages.filter((p) => p !== host);
      await host.close();
      await eventually(() => hosts([other]).length === 1, { timeout: 20000, message: 'the other tab hosts the hub' });
      await waitStatus(other, 'Registered', 20000);
      await other.close();
      // Same profile, no tab left: the next start is a fresh one, signed out.
      const fresh = await openTab(context, site);
      await fresh.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await fresh.getByLabel('Password').inputValue(), '', 'no password filled in');
    } finally {
      await context.close();
    }
  });
});

describe('without SharedWorker, apps after a takeover', () => {
  const rig = useAppsRig({ pbx: { rtpengine: false }, apps: (url) => [probe(url, 'watcher', ['read'])] });
  before(() => hideSharedWorker(rig.browser));

  it('load again and connect to the new hub, which has the site\'s app list', async () => {
    const { context, pages } = await openProfile(rig.browser, rig.site, { tabs: 2 });
    try {
      await controlled(pages[0]);
      await signIn(pages[0], rig.pbx, '1004');
      for (const p of pages) await waitStatus(p, 'Registered');
      const [host] = hosts(pages);
      const [other] = pages.filter((p) => p !== host);
      const frame = await appFrame(other, rig.apps[0].url);
      await appConnected(frame, 'watcher');
      await frame.evaluate(() => (window.loadedBefore = true));
      await host.close();
      await eventually(() => hosts([other]).length === 1, { timeout: 20000, message: 'the other tab hosts the hub' });
      // The app's document is a new one (its iframe may be a new one too), connected to the new hub.
      const again = await eventually(async () => {
        const f = await appFrame(other, rig.apps[0].url);
        return (await f.evaluate(() => window.loadedBefore)) === undefined && f;
      }, { timeout: 15000, message: 'the app loaded again' });
      await appConnected(again, 'watcher');
    } finally {
      await context.close();
    }
  });
});
