// Faults in the browser during a call: the audio tab's renderer crashing, the whole browser killed,
// and the disk filling up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { button, eventually, incoming, openProfile, openTab, signIn, waitStatus } from '../support/browser.mjs';
import { newestCallDetail } from '../support/call-detail.mjs';
import { audioConnected, callCard, connect, recentText, usePhones } from '../support/phones.mjs';

/**
 * Chromium started as a user starts it, on a profile directory of its own, so that it can be
 * killed outright (SIGKILL) and started again on the same profile.
 */
async function startChromium(profile) {
  const child = spawn(
    chromiumPath(),
    [...chromiumArgs(), '--headless', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${seen.slice(-2000)}`)), 30000);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      seen += chunk;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${seen.slice(-2000)}`)));
  });
  child.stderr.resume();
  const browser = await chromium.connectOverCDP(endpoint);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    browser,
    context: browser.contexts()[0],
    /** SIGKILL to Chromium and every process it started, as when the machine's power goes. */
    async kill() {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await this.kill();
    },
  };
}

/** How many shared workers (hubs) the browser runs. */
async function sharedWorkers(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  await cdp.detach();
  return targetInfos.filter((t) => t.type === 'shared_worker').length;
}

describe('faults in the browser during a call', () => {
  const { rig, phone } = usePhones();
  const cleanups = [];
  after(async () => {
    for (const clean of cleanups.reverse()) await clean();
  });

  // Without SharedWorker (PATCHBAY_NO_SHARED_WORKER=1) the hub runs in the first tab, which also
  // takes the audio: a crash there is a hub takeover, which the fallback suite covers.
  const noSharedWorker = process.env.PATCHBAY_NO_SHARED_WORKER === '1' && 'the hub runs in a tab: a crash there is a hub takeover';

  it("the audio tab's renderer crashes mid-call: the other tab takes the audio and the call goes on", { skip: noSharedWorker }, async () => {
    const a = await phone('1001', { tabs: 2 });
    const b = await phone('1002');
    // The hub runs in the renderer process of the tab that started it (a crash there takes the hub
    // too: see the next test). The audio tab here is another one: the first tab is closed, the
    // second takes the audio, and a third is opened.
    await a.pages[0].close();
    await a.pages[1].getByText('Audio plays in this tab').waitFor({ timeout: 20000 });
    const third = await openTab(a.context, rig.site);
    await waitStatus(third, 'Registered');
    await connect({ user: a.user, page: a.pages[1] }, b);
    await audioConnected(third, '1002');
    const workers = await sharedWorkers(rig.browser);
    const cdp = await a.context.newCDPSession(a.pages[1]);
    // Page.crash does not answer: the renderer is gone.
    void cdp.send('Page.crash').catch(() => undefined);
    await third.getByText('Audio plays in this tab').waitFor({ timeout: 20000 });
    await callCard(third, '1002').getByText('audio moved').waitFor({ timeout: 20000 });
    assert.equal(await sharedWorkers(rig.browser), workers, 'the hub lived through the crash');
    await audioConnected(third, '1002', 20000);
    await audioConnected(b.page, '1001');
    await button(callCard(b.page, '1001'), 'Hang up').click();
    await eventually(async () => /Outgoing, answered/.test(await recentText(third)), { message: 'the call ended normally' });
  });

  it('the renderer that ran the hub crashes mid-call: the other tab notices, starts a new hub, registers again, and the call is in the history as interrupted', { skip: noSharedWorker }, async () => {
    const { context, pages } = await openProfile(rig.browser, rig.site, { tabs: 1 });
    cleanups.push(() => context.close().catch(() => undefined));
    await signIn(pages[0], rig.pbx, '1007', { remember: true });
    await waitStatus(pages[0], 'Registered');
    const other = await openTab(context, rig.site);
    await waitStatus(other, 'Registered');
    const b = await phone('1008');
    await connect({ user: '1007', page: pages[0] }, b);
    await audioConnected(other, '1008');
    const workers = await sharedWorkers(rig.browser);
    await other.evaluate(() => (window.beforeCrash = true));
    const cdp = await context.newCDPSession(pages[0]);
    void cdp.send('Page.crash').catch(() => undefined);
    // The hub shared the crashed tab's process (so it went too); the other tab started a new one.
    await other.waitForFunction(() => !window.beforeCrash, null, { timeout: 20000 });
    await waitStatus(other, 'Registered', 30000);
    assert.equal(await sharedWorkers(rig.browser), workers, 'one hub again');
    await eventually(async () => /Outgoing, interrupted/.test(await recentText(other)), { timeout: 20000, message: 'the call closed as interrupted' });
    // The other side heard nothing of it: it hangs up itself. A new call rings in the surviving tab.
    await button(callCard(b.page, '1007'), 'Hang up').click();
    await b.page.getByRole('combobox', { name: 'Number' }).fill('1007');
    await button(b.page, 'Call').click();
    await incoming(other).waitFor({ timeout: 15000 });
    await button(b.page, 'Hang up').click();
  });

  it('the whole browser killed mid-call: started again on the same profile, the call is in the history as interrupted', async () => {
    const profile = mkdtempSync(path.join(tmpdir(), 'patchbay-profile-'));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    let chrome = await startChromium(profile);
    cleanups.push(() => chrome.close());
    const page = await chrome.context.newPage();
    await page.goto(rig.site.url);
    await signIn(page, rig.pbx, '1003');
    await waitStatus(page, 'Registered');
    const b = await phone('1004');
    await connect({ user: '1003', page }, b);

    await chrome.kill();
    // The other side is not told (nothing was sent): it hangs up itself.
    await button(callCard(b.page, '1003'), 'Hang up').click();

    chrome = await startChromium(profile);
    const again = await chrome.context.newPage();
    await again.goto(rig.site.url);
    await again.getByRole('button', { name: 'Sign in' }).or(again.getByRole('status')).first().waitFor();
    const detail = await newestCallDetail(again);
    const text = (await detail.textContent()).replace(/\s+/g, ' ');
    assert.match(text, /Interrupted/i, `the call's detail: ${text}`);
    assert.match(text, /1004/);
    assert.match(text, /The app closed during the call/);
    await button(detail, 'Back').click();
    // The row says so too (its name, as a screen reader reads it).
    await again.getByRole('list', { name: 'Call history' }).getByRole('button', { name: /Outgoing,? interrupted,? 1004/ }).waitFor();
  });

  it('the disk fills up mid-call: the user is told, the call goes on, and the record is saved once there is room', async () => {
    const a = await phone('1005');
    const b = await phone('1006');
    await connect(a, b);
    const cdp = await a.context.newCDPSession(a.page);
    const origin = new URL(rig.site.url).origin;
    const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage });
    // IndexedDB keeps granting the space it last heard it had for up to 30 s
    // (BucketContext::kBucketSpaceCacheTimeLimit): a disk that fills up is noticed after that.
    await new Promise((r) => setTimeout(r, 31000));
    // A change to the call (mute) must be written: it fails, and the panel says so.
    await button(callCard(a.page, '1006'), 'Mute').click();
    const full = a.page.getByRole('alert').filter({ hasText: 'Storage is full' });
    await full.waitFor({ timeout: 20000 });
    await callCard(a.page, '1006').getByText('muted').waitFor();
    await audioConnected(a.page, '1006');
    await button(callCard(a.page, '1006'), 'Unmute').click();
    await button(callCard(a.page, '1006'), 'Hang up').click();
    // The ended call is in the history from memory while the disk is full.
    assert.match(await recentText(a.page), /Outgoing, answered/);
    assert.equal(await full.count(), 1, 'still full');

    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await full.waitFor({ state: 'detached', timeout: 60000 });
    // Saved for real: with every tab closed the hub is gone, and a new tab reads it from IndexedDB.
    const context = a.context;
    const fresh = await context.newPage();
    await a.page.close();
    await fresh.goto('about:blank');
    await fresh.goto(rig.site.url);
    await waitStatus(fresh, 'Registered', 20000).catch(() => undefined);
    const detail = await newestCallDetail(fresh);
    const text = (await detail.textContent()).replace(/\s+/g, ' ');
    assert.match(text, /1006/);
    assert.match(text, /Muted.*Unmuted/, `the timeline kept the changes made while the disk was full: ${text}`);
  });
});
