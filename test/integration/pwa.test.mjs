import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { useRig } from '../support/rig.mjs';
import { button, controlled, eventually, incoming, openProfile, openTab, waitStatus } from '../support/browser.mjs';
import { callCard } from '../support/phones.mjs';

const DIST = process.env.PATCHBAY_DIST ?? 'dist';
/** Where the next version is built: beside the others, in the ignored .tmp/. */
const NEXT = join('.tmp', `${basename(DIST)}-next-pwa`);

/** The panel's bundle a page runs, and the one a build directory serves. */
const runningBundle = (page) => page.evaluate(() => new URL(document.querySelector('script[src*="assets/index-"]').src).pathname.split('/').pop());
const builtBundle = (dir) => /assets\/(index-[\w-]+\.js)/.exec(readFileSync(`${dir}/index.html`, 'utf8'))[1];

/** Width and height of a PNG from its IHDR chunk. */
const pngSize = (buffer) => [buffer.readUInt32BE(16), buffer.readUInt32BE(20)];

describe('installable, under a base path', () => {
  const rig = useRig({ pbx: false, site: { base: '/apps/phone/' } });

  it('Chromium finds nothing missing to install it: manifest, icons, shortcuts, tel: handler', async () => {
    // A browser profile on disk: Chromium never installs from an incognito one.
    const profile = mkdtempSync(join(tmpdir(), 'patchbay-profile-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: chromiumArgs(), headless: true });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(rig.site.url);
    await controlled(page);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.equal(manifest.url, `${rig.site.url}manifest.webmanifest`);
    assert.deepEqual(manifest.errors, [], 'the manifest parses without errors or warnings');
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], 'Chromium would offer to install it');

    const data = JSON.parse(manifest.data);
    assert.equal(data.name, 'Patchbay');
    assert.equal(data.display, 'standalone');
    const at = (url) => new URL(url, manifest.url).href;
    assert.equal(at(data.start_url), rig.site.url, 'starts at the base path it is served under');
    assert.equal(at(data.scope), rig.site.url);
    assert.deepEqual(data.shortcuts.map((s) => [s.name, at(s.url)]), [
      ['Dial', `${rig.site.url}?view=phone`],
      ['History', `${rig.site.url}?view=history`],
    ]);
    assert.deepEqual(data.protocol_handlers, [{ protocol: 'tel', url: './?tel=%s' }]);
    // Every PNG icon is served and really has the size it claims; a maskable one exists at 192 and 512.
    const pngs = data.icons.filter((i) => i.type === 'image/png');
    for (const icon of pngs) {
      const response = await page.request.get(at(icon.src));
      assert.equal(response.status(), 200, icon.src);
      const [w, h] = pngSize(await response.body());
      assert.equal(`${w}x${h}`, icon.sizes, icon.src);
    }
    for (const size of ['192x192', '512x512']) {
      assert.ok(pngs.some((i) => i.sizes === size && i.purpose === 'any'), `a ${size} icon`);
      assert.ok(pngs.some((i) => i.sizes === size && i.purpose === 'maskable'), `a maskable ${size} icon`);
    }
    // The colours match the panel's (theme.ts): accent and light background.
    assert.equal(data.theme_color, '#0b6bcb');
    assert.equal(data.background_color, '#f6f7f9');
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('a phone link opens the dialpad with the number ready to call, and "Open phone links" registers this site', async () => {
    const { context } = await openProfile(rig.browser, rig.site, { tabs: 0 });
    await context.addInitScript(() => {
      // Records what the page asks the browser for; the browser's own handling still runs.
      const original = navigator.registerProtocolHandler.bind(navigator);
      navigator.registerProtocolHandler = (scheme, url) => {
        window.registeredHandler = [scheme, String(url)];
        return original(scheme, url);
      };
    });
    // As the browser opens it: the whole tel: URL percent-encoded into %s.
    const link = `tel:+44 (0)1632 960-123;ext=7`;
    const page = await context.newPage();
    await page.goto(`${rig.site.url}?tel=${encodeURIComponent(link)}`);
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
    const number = page.getByRole('combobox', { name: 'Number' });
    assert.equal(await number.inputValue(), '+441632960123');
    await page.getByText('Extension 7: press it on the keypad once answered.').waitFor();
    assert.ok(!page.url().includes('tel='), 'the link leaves the address bar, so a reload does not bring it back');

    await page.getByText('Settings', { exact: true }).click();
    await button(page, 'Open phone links with Patchbay').click();
    await page.getByText('phone links then open here').waitFor();
    const [scheme, url] = await page.evaluate(() => window.registeredHandler);
    assert.equal(scheme, 'tel');
    assert.equal(url, `${rig.site.url}?tel=%s`);

    // The address the browser would open for a link on another site, in a new tab.
    const other = await context.newPage();
    await other.goto(url.replace('%s', encodeURIComponent('tel:+1-201-555-0123')));
    await other.getByRole('combobox', { name: 'Number' }).waitFor();
    assert.equal(await other.getByRole('combobox', { name: 'Number' }).inputValue(), '+12015550123');

    // A link with no number says so and leaves the dialpad empty.
    const bad = await context.newPage();
    await bad.goto(`${rig.site.url}?tel=${encodeURIComponent('tel:call-me')}`);
    await bad.getByRole('alert').filter({ hasText: 'This phone link has no number to call: "tel:call-me"' }).waitFor();
    assert.equal(await bad.getByRole('combobox', { name: 'Number' }).inputValue(), '');
    await context.close();
  });
});

describe('a new version deployed while the panel is open', () => {
  before(() => {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', NEXT, '--emptyOutDir'], {
      env: { ...process.env, PATCHBAY_BUILD_ID: `next-${Date.now()}` },
    });
  });
  const rig = useRig({ pbx: false, site: { base: '/apps/phone/' } });

  it('waits for the call to end, then "Reload" brings every tab onto it', async () => {
    const { site, browser } = rig;
    const { context, pages: [page] } = await openProfile(browser, site);
    await controlled(page);
    const before = await runningBundle(page);
    assert.equal(before, builtBundle(DIST));
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
    await incoming(page).waitFor({ timeout: 15000 });
    await button(incoming(page), 'Answer').click();
    const card = callCard(page, 'Ada Lovelace');
    await card.getByText('In call').waitFor();

    site.setDir(NEXT);
    try {
      // Opening a tab makes the browser look for a new version (an open panel also looks every hour).
      const other = await openTab(context, site);
      await page.getByText('Update ready: reload after your call').waitFor({ timeout: 20000 });
      assert.ok(await button(page, 'Reload').isDisabled(), 'never mid-call');
      await card.getByText('In call').waitFor();
      assert.equal(await runningBundle(page), before, 'nothing reloaded under the call');

      await button(card, 'Hang up').click();
      await page.getByText('Update ready', { exact: true }).waitFor();
      await button(page, 'Reload').click();
      const next = builtBundle(NEXT);
      assert.notEqual(next, before);
      await eventually(async () => (await runningBundle(page)) === next && (await runningBundle(other)) === next, {
        timeout: 15000,
        message: 'both tabs on the new version',
      });
      // The hub restarted from the new version too: the demo is not remembered, so it is signed out.
      await button(page, 'Try the demo').waitFor();
      await button(other, 'Try the demo').waitFor();
      assert.equal(await page.getByText('Update ready').count(), 0);
      assert.equal(await other.getByText('Update ready').count(), 0);
    } finally {
      site.setDir(DIST);
      await context.close();
    }
  });
});
