// Pages the panel does not control. A page of another origin that frames a registered app and answers
// its connect() as a panel would gets nothing from it; script injected into the panel does not run; and
// the policy the panel states is the one its server sends and the README tells hosts to send.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PAGE_POLICY, PAGE_POLICY_HEADER, pagePolicyHeader, serve } from '../../scripts/serve.mjs';
import { button, eventually, openProfile, waitStatus } from '../support/browser.mjs';
import { appConnected, appFrame, demoApps, useAppsRig } from '../support/apps.mjs';

const DIST = process.env.PATCHBAY_DIST ?? 'dist';

describe('hostile framers and injected script', () => {
  const rig = useAppsRig({ apps: (url) => demoApps(url) });
  let framerSite, page, context;

  before(async () => {
    // A third origin: neither the panel's nor the apps'.
    framerSite = await serve({ dir: DIST, mounts: { '/fixtures/': 'test/fixtures/apps' } });
    ({ context, pages: [page] } = await openProfile(rig.browser, rig.site));
    await page.evaluate(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.effectiveDirective));
    });
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
  });
  after(async () => {
    await context?.close();
    await framerSite?.close();
  });

  it('a config.json whose "embedders" would widen or break the policy is refused, naming the entry', () => {
    const hostile = [
      '*', 'https://*.example.com', "'self'", 'javascript:alert(1)', 'data:text/html,x', 'https://crm.example/path',
      'https://crm.example; script-src *', 'https://crm.example\r\nSet-Cookie: a=b', 'https://user:pw@crm.example',
      'https://crm.example?x', 42, null, {},
    ];
    for (const entry of hostile) {
      assert.throws(() => pagePolicyHeader(['https://crm.example', entry]), (error) => error.message.includes(JSON.stringify(entry)), `refused: ${JSON.stringify(entry)}`);
    }
    assert.throws(() => pagePolicyHeader('https://crm.example'), /must be a list of origins/);
    // What is allowed says exactly those origins, once each, and nothing else changes.
    assert.equal(pagePolicyHeader(['https://crm.example', 'https://crm.example/', 'http://127.0.0.1:8443']),
      `${PAGE_POLICY}; frame-ancestors https://crm.example http://127.0.0.1:8443`);
    assert.equal(pagePolicyHeader([]), PAGE_POLICY_HEADER);
  });

  it('a page of another origin frames the demo CRM and answers its connect(): it receives nothing', async () => {
    const crm = rig.apps[0];
    // In its own panel, the same CRM connects and lists its contacts.
    const inPanel = await appFrame(page, crm.url);
    await appConnected(inPanel, 'crm');
    assert.equal(await inPanel.getByRole('list', { name: 'Contacts' }).getByRole('listitem').count(), 5);

    const framerContext = await rig.browser.newContext();
    try {
      const framer = await framerContext.newPage();
      await framer.goto(`${framerSite.url}fixtures/framer.html?app=${encodeURIComponent(crm.url)}`);
      const framed = await appFrame(framer, crm.url);
      // The CRM waits for the panel it imported the SDK from, which never answers here, and says so.
      const status = framed.getByRole('status');
      await eventually(async () => !/Connecting/.test(await status.textContent()), { timeout: 15000, message: 'the CRM settles' });
      assert.match(await status.textContent(), new RegExp(`^NotConnected: No panel at ${rig.site.origin} answered`));
      assert.equal(await framed.getByRole('list', { name: 'Contacts' }).getByRole('listitem').count(), 0, 'no contacts shown');
      // The framer never saw a connect request, so it could hand over no port and was sent no contact.
      assert.equal(await framer.getByRole('list', { name: 'Received from the app' }).getByRole('listitem').count(), 0);
      assert.deepEqual(await framer.evaluate(() => window.received), []);
    } finally {
      await framerContext.close();
    }
  });

  it('script injected into the panel does not run', async () => {
    const before = await page.evaluate(() => window.violations.length);
    // What an injection would insert: a script element, and markup with an inline handler.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.body.textContent = "Hacked"';
      document.body.append(script);
      document.body.insertAdjacentHTML('beforeend', '<img alt="" src="missing.png" onerror="document.body.textContent = \'Hacked\'">');
    });
    await eventually(() => page.evaluate((n) => window.violations.length >= n + 2, before), { message: 'both refused' });
    // Each is refused by the `<meta>` policy and by the header's alike.
    const refused = await page.evaluate((n) => window.violations.slice(n), before);
    assert.deepEqual([...new Set(refused)].sort(), ['script-src-attr', 'script-src-elem']);
    await waitStatus(page, 'Registered');
    assert.equal(await page.getByText('Hacked').count(), 0);
  });

  it('the page, its server and the README state one policy, and nothing in normal use breaks it', async () => {
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(readFileSync(join(DIST, 'index.html'), 'utf8'));
    assert.equal(meta?.[1], PAGE_POLICY);
    const response = await fetch(rig.site.url);
    assert.equal(response.headers.get('content-security-policy'), PAGE_POLICY_HEADER);
    assert.match(PAGE_POLICY_HEADER, /frame-ancestors 'none'/);
    assert.ok(readFileSync('README.md', 'utf8').includes(`Content-Security-Policy: ${PAGE_POLICY_HEADER}`), 'README names the header');
    // A lookup, the history with it, and the settings, as a user sees them: nothing refused along the way.
    const before = await page.evaluate(() => window.violations.length);
    await page.getByText('Look up a number or a business card').click();
    await page.locator('pb-lookup').getByLabel('Number').fill('+44 1632 960123');
    await button(page.locator('pb-lookup'), 'Look up').click();
    await page.getByRole('region', { name: 'Call record' }).getByText('Ada Lovelace').first().waitFor();
    await button(page, 'History').click();
    await page.getByRole('list', { name: 'Call history' }).getByRole('listitem').filter({ hasText: 'Ada Lovelace' }).first().waitFor();
    await button(page, 'Phone').click();
    await page.getByText('Settings', { exact: true }).click();
    await page.getByLabel('Ringtone').waitFor();
    assert.deepEqual(await page.evaluate((n) => window.violations.slice(n), before), []);
  });
});
