import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useRig } from '../support/rig.mjs';
import { button, dial, eventually, incoming, openProfile, waitStatus } from '../support/browser.mjs';
import { callCard } from '../support/phones.mjs';

/** The demo mailbox as the user reads it: one entry per logged call, subject then labels. */
async function mailbox(page) {
  return page.getByRole('region', { name: 'Demo mailbox' }).locator('li').allTextContents();
}

describe('call logging in the demo: a stand-in Gmail with nothing installed', () => {
  const rig = useRig({ pbx: false });
  let site, browser;
  before(() => ({ site, browser } = rig));

  it('"Connect Gmail (demo mailbox)" files each finished call, labelled, once its wrap-up is over', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
    await page.getByText('Call logging', { exact: true }).click();
    await button(page, 'Connect Gmail (demo mailbox)').click();
    await page.getByText('Gmail: connected (demo mailbox)').waitFor();
    await page.getByText('No calls logged yet').waitFor();
    await page.getByLabel('Wrap-up before a call is logged').selectOption({ label: 'Log at once' });

    // The demo's caller: answered, then hung up.
    await incoming(page).waitFor({ timeout: 15000 });
    await button(incoming(page), 'Answer').click();
    const card = callCard(page, 'Ada Lovelace');
    await card.getByText('In call').waitFor();
    // Filed while talking: the user's own label goes to Gmail beside the call's type.
    const record = page.getByLabel('Call record');
    await record.getByRole('combobox', { name: /^Labels/ }).fill('renewals');
    await record.getByRole('combobox', { name: /^Labels/ }).press('Enter');
    await record.getByText('by you').waitFor();
    await button(card, 'Hang up').click();
    await eventually(async () => (await mailbox(page)).some((m) => /Call with Ada Lovelace[\s\S]*incoming[\s\S]*Voice calls\/Incoming[\s\S]*renewals/.test(m)),
      { message: 'the answered call in the mailbox, labelled Incoming and renewals', timeout: 15000 });
    await page.getByLabel('Call record').getByText('Logged to Gmail').waitFor();

    // An outgoing call that meets a busy line is filed under Outbound, once.
    await dial(page, '486');
    await eventually(async () => (await mailbox(page)).some((m) => /486[\s\S]*outgoing[\s\S]*Voice calls\/Outbound/i.test(m)),
      { message: 'the busy outgoing call labelled Outbound', timeout: 15000 });
    const messages = await mailbox(page);
    assert.equal(messages.length, 2, `one message per call: ${messages.join(' | ')}`);
    await context.close();
  });
});
