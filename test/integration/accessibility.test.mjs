import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import { useRig } from '../support/rig.mjs';
import { button, incoming, openProfile, waitStatus } from '../support/browser.mjs';
import { callCard } from '../support/phones.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (every open shadow root included). */
async function violations(page) {
  // Evaluated through the debugging protocol: the panel's Content-Security-Policy forbids inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.html.slice(0, 100)).join(' | ')}`));
  return found;
}

describe('accessibility: axe-core on every view', () => {
  const rig = useRig({ pbx: false });
  let site, browser;
  before(() => ({ site, browser } = rig));

  it('has no serious or critical violation in the sign-in, phone, call, history, settings and dialog views', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await page.setViewportSize({ width: 1100, height: 900 });
    const checked = {};
    const check = async (view) => (checked[view] = await violations(page));

    await button(page, 'Try the demo').waitFor();
    await check('sign-in');
    await button(page, 'Try the demo').click();
    await waitStatus(page, 'Registered');
    await check('phone');

    // The address book, and the Number combobox open on a match.
    const contacts = page.locator('pb-contacts');
    await contacts.getByText(/^Contacts \(/).click();
    await contacts.getByLabel('Import contacts').setInputFiles({
      name: 'c.vcf', mimeType: 'text/vcard',
      buffer: Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nORG:US Navy\r\nTEL;TYPE=CELL:+12025550147\r\nEND:VCARD\r\n'),
    });
    await contacts.getByRole('status').filter({ hasText: /^Imported/ }).waitFor();
    await page.getByRole('combobox', { name: 'Number' }).fill('gra');
    await page.getByRole('option').first().waitFor();
    await page.getByRole('combobox', { name: 'Number' }).press('ArrowDown');
    await check('combobox open');
    await page.getByRole('combobox', { name: 'Number' }).press('Escape');

    // Settings, call logging, apps: every card open.
    for (const summary of ['Settings', 'Call logging', 'Apps']) await page.getByText(summary, { exact: true }).click();
    await check('settings open');

    // The demo caller: the screen pop, then the call card.
    await incoming(page).waitFor({ timeout: 20000 });
    await check('incoming call');
    await button(incoming(page), 'Answer').click();
    await callCard(page, 'Ada Lovelace').getByText('In call').waitFor();
    await check('call in progress');
    await button(callCard(page, 'Ada Lovelace'), 'Hang up').click();

    await page.locator('body').press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await check('shortcuts dialog');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByRole('button', { name: 'Close' }).click();

    await button(page.getByRole('navigation', { name: 'Views' }), 'History').click();
    const row = page.getByRole('list', { name: 'Call history' }).getByRole('button').first();
    await row.waitFor();
    await check('history');
    await row.click();
    await page.getByRole('button', { name: 'Call back' }).first().waitFor();
    await check('call detail');

    const failures = Object.entries(checked).filter(([, v]) => v.length);
    assert.deepEqual(failures, [], failures.map(([view, v]) => `${view}:\n  ${v.join('\n  ')}`).join('\n'));
    assert.equal(Object.keys(checked).length, 9);
    await context.close();
  });
});
