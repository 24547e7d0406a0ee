// Pages the panel does not control. A page of another origin that frames a registered app and answers
// its connect() as a panel would gets nothing from it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { button, eventually, openProfile, waitStatus } from '../support/browser.mjs';
import { appConnected, appFrame, demoApps, useAppsRig } from '../support/apps.mjs';

const DIST = process.env.PATCHBAY_DIST ?? 'dist';

describe('hostile framers', () => {
  const rig = useAppsRig({ apps: (url) => demoApps(url) });
  let framerSite, page, context;

  before(async () => {
    // A third origin: neither the panel's nor the apps'.
    framerSite = await serve({ dir: DIST, mounts: { '/fixtures/': 'test/fixtures/apps' } });
    ({ context, pages: [page] } = await openProfile(rig.browser, rig.site));
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
  });
  after(async () => {
    await context?.close();
    await framerSite?.close();
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
});
