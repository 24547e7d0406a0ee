import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { useRig } from '../support/rig.mjs';
import { button, eventually, incoming, openProfile, status, waitStatus } from '../support/browser.mjs';
import { callCard, recentText } from '../support/phones.mjs';

describe('the demo, served under a base path', () => {
  const rig = useRig({ pbx: false, site: { base: '/apps/patchbay/' } });
  let site, browser;
  before(() => ({ site, browser } = rig));

  it('"Try the demo" registers, a caller rings, and every control answers', async () => {
    assert.match(site.url, /\/apps\/patchbay\/$/);
    const { context, pages: [page] } = await openProfile(browser, site);
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
    assert.match(await status(page).textContent(), /1001@demo\.patchbay\.invalid/);
    await incoming(page).waitFor({ timeout: 15000 });
    assert.match(await incoming(page).textContent(), /Ada Lovelace[\s\S]*\+441632960123/);
    await button(incoming(page), 'Answer').click();
    const card = callCard(page, 'Ada Lovelace');
    await button(card, 'Hold').click();
    await card.getByText('On hold').waitFor();
    await button(card, 'Resume').click();
    await card.getByText('In call').waitFor();
    await button(card, 'Hang up').click();
    await eventually(async () => /Ada Lovelace[\s\S]*Incoming, answered/.test(await recentText(page)), { message: 'logged' });

    // An outgoing demo call to the busy number.
    await page.getByRole('combobox', { name: 'Number' }).fill('486');
    await button(page, 'Call').click();
    await eventually(async () => /486[\s\S]*Outgoing, busy/.test(await recentText(page)), { message: 'busy logged' });
    await context.close();
  });
});

describe('deploy-time defaults', () => {
  before(() => {
    cpSync(process.env.PATCHBAY_DIST ?? 'dist', '.tmp/dist-config', { recursive: true });
    writeFileSync('.tmp/dist-config/config.json', JSON.stringify({ server: 'wss://pbx.example.com/ws', sipDomain: 'pbx.example.com' }));
  });
  const rig = useRig({ pbx: false, site: { dir: '.tmp/dist-config' } });

  it('config.json pre-fills the server and lets the user type just an extension', async () => {
    const { context, pages: [page] } = await openProfile(rig.browser, rig.site);
    await eventually(async () => (await page.getByLabel('Server').inputValue()) === 'wss://pbx.example.com/ws', { message: 'server pre-filled' });
    assert.match(await page.getByLabel('SIP address').getAttribute('placeholder'), /sip:1001@pbx\.example\.com/);
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'never a password');
    await context.close();
  });
});
