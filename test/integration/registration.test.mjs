import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startPbx } from '../support/pbx.mjs';
import { useRig } from '../support/rig.mjs';
import { eventually, incoming, openProfile, openTab, signIn, status, waitStatus } from '../support/browser.mjs';

describe('registration and tabs', () => {
  const rig = useRig();
  let pbx, site, browser;
  before(() => ({ pbx, site, browser } = rig));

  it('signs in and shows Registered', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1001');
    await waitStatus(page, 'Registered');
    assert.match(await status(page).textContent(), /Registered as 1001@/);
    await context.close();
  });

  it('a wrong password fails clearly once and does not hammer the PBX', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    pbx.resetCounts();
    await signIn(page, pbx, '1002', { password: 'wrong' });
    await waitStatus(page, 'Failed');
    assert.match(await status(page).textContent(), /40[13]/);
    await page.getByRole('alert').filter({ hasText: 'check the username and password' }).waitFor();
    await new Promise((r) => setTimeout(r, 4000));
    const { registersByUser } = pbx.counts();
    assert.ok((registersByUser['1002'] ?? 0) <= 2, `REGISTERs for 1002: ${registersByUser['1002']}`);
    await context.close();
  });

  it('five tabs share one WebSocket and one REGISTER, and every tab shows the incoming call', async () => {
    pbx.resetCounts();
    const { context, pages } = await openProfile(browser, site, { tabs: 1 });
    await signIn(pages[0], pbx, '1003');
    await waitStatus(pages[0], 'Registered');
    for (let i = 1; i < 5; i++) pages.push(await openTab(context, site));
    for (const p of pages) await waitStatus(p, 'Registered');
    const counts = pbx.counts();
    assert.equal(counts.wsOpen, 1, 'one WebSocket at the PBX');
    assert.equal(counts.registersByUser['1003'], 2, 'one registration (challenge + authorised REGISTER)');

    const caller = await openProfile(browser, site);
    await signIn(caller.pages[0], pbx, '1004');
    await waitStatus(caller.pages[0], 'Registered');
    await caller.pages[0].getByRole('combobox', { name: 'Number' }).fill('1003');
    await caller.pages[0].getByRole('button', { name: 'Call', exact: true }).click();
    for (const p of pages) await incoming(p).waitFor();
    await eventually(async () => (await incoming(pages[3]).textContent()).includes('1004'), { message: 'caller number' });
    // A tab in the background says so in its title.
    assert.match(await pages[2].title(), /^Incoming call: 1004/);
    await caller.pages[0].getByRole('button', { name: 'Hang up', exact: true }).click();
    for (const p of pages) await incoming(p).waitFor({ state: 'detached' });
    await caller.context.close();
    assert.equal(await pages[2].title(), 'Patchbay');
    await context.close();
  });

  it('registers again by itself after Kamailio restarts', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1005');
    await waitStatus(page, 'Registered');
    pbx.resetCounts();
    await pbx.restart();
    // Kamailio lost every registration: only a new WebSocket and a new REGISTER bring 1005 back.
    await eventually(() => pbx.counts().wsOpen === 1 && (pbx.counts().registersByUser['1005'] ?? 0) >= 1, {
      timeout: 40000,
      message: 'a new WebSocket and REGISTER after the restart',
    });
    await waitStatus(page, 'Registered', 10000);
    await context.close();
  });

  it('while the PBX is down it says when it tries next, backs off, and registers when the PBX is back', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1006');
    await waitStatus(page, 'Registered');
    const { wsPort, sipPort } = pbx;
    await pbx.stop();
    await waitStatus(page, 'next try in');
    assert.match(await status(page).textContent(), /Connecting… next try in \d+ s/);
    // Let a few attempts fail: the waits grow instead of hammering.
    await new Promise((r) => setTimeout(r, 6000));
    rig.pbx = pbx = await startPbx({ rtpengine: false, wsPort, sipPort });
    await waitStatus(page, 'Registered', 40000);
    await context.close();
  });
});
