import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { useRig } from '../support/rig.mjs';
import { button, eventually, openProfile, openTab, signIn, status, waitStatus } from '../support/browser.mjs';

describe('the hub across restarts and deployments', () => {
  const rig = useRig();
  let pbx, site, browser;
  before(() => ({ pbx, site, browser } = rig));

  it('"Remember me" registers again after the browser restarts, and never stores the password in clear', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1008', { remember: true });
    await waitStatus(page, 'Registered');
    const stored = await page.evaluate(async () => {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open('patchbay');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const all = await new Promise((resolve) => {
        const r = db.transaction('kv').objectStore('kv').getAll();
        r.onsuccess = () => resolve(r.result);
      });
      const text = all
        .map((v) => (v && v.data instanceof ArrayBuffer ? new TextDecoder().decode(v.data) : JSON.stringify(v)))
        .join('\n');
      return { text, localStorage: localStorage.length, key: all.find((v) => v instanceof CryptoKey)?.extractable };
    });
    assert.ok(!stored.text.includes('pw-1008'), 'the password is not stored in clear');
    assert.equal(stored.localStorage, 0, 'nothing in localStorage');
    assert.equal(stored.key, false, 'the key cannot be exported');

    pbx.resetCounts();
    await page.close(); // the last tab: the hub stops with it
    await new Promise((r) => setTimeout(r, 500));
    const again = await openTab(context, site);
    await waitStatus(again, 'Registered');
    assert.equal(pbx.counts().wsOpen, 1, 'a new hub connected by itself');
    await button(again, 'Sign out').click();
    await waitStatus(again, 'Signed out');
    await again.close();
    await new Promise((r) => setTimeout(r, 500));
    const third = await openTab(context, site);
    await third.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  it('a tab from a newer build is told, and "Reload" brings every tab onto the new hub', async () => {
    const { context, pages: [first] } = await openProfile(browser, site);
    execFileSync('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', '.tmp/dist-next', '--emptyOutDir'], {
      env: { ...process.env, PATCHBAY_BUILD_ID: `next-${Date.now()}` },
    });
    site.setDir('.tmp/dist-next');
    try {
      const second = await openTab(context, site);
      const banner = second.getByText('Update ready');
      await banner.waitFor();
      await button(second, 'Reload').click();
      await eventually(async () => (await second.getByText('Update ready').count()) === 0 && (await first.getByText('Update ready').count()) === 0, {
        timeout: 15000,
        message: 'both tabs on the new build',
      });
      await first.getByRole('button', { name: 'Sign in' }).waitFor();
      await second.getByRole('button', { name: 'Sign in' }).waitFor();
      const third = await openTab(context, site);
      await third.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await third.getByText('Update ready').count(), 0);
    } finally {
      site.setDir('dist');
      await context.close();
    }
  });
});

describe('a registration the PBX grants for only 10 seconds', () => {
  const rig = useRig({ pbx: { rtpengine: false, maxExpires: 10 } });

  it('is refreshed before it expires, on the same WebSocket', async () => {
    const { context, pages: [page] } = await openProfile(rig.browser, rig.site);
    await signIn(page, rig.pbx, '1009');
    await waitStatus(page, 'Registered');
    rig.pbx.resetCounts();
    await rig.pbx.waitForCounts((c) => (c.registrationsByUser['1009'] ?? 0) >= 2, 25000);
    const counts = rig.pbx.counts();
    assert.equal(counts.wsOpen, 0, 'no new connection: refreshed in place');
    assert.match(await status(page).textContent(), /Registered/);
    await context.close();
  });
});

