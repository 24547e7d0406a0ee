import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, incoming } from '../support/browser.mjs';
import { audioConnected, callCard, recentText, usePhones } from '../support/phones.mjs';

describe('keyboard shortcuts', () => {
  const { phone } = usePhones();

  it('"/" goes to the Number field, "a" answers, "h" hangs up, "?" lists them; typing in a field is left alone', async () => {
    const a = await phone('1001');
    const b = await phone('1002');
    const field = a.page.getByRole('combobox', { name: 'Number' });
    await a.page.locator('body').press('/');
    await eventually(() => field.evaluate((el) => el.matches(':focus')), { message: 'the Number field has focus' });
    // In the field, "a" and "h" are letters (a name being typed), not shortcuts.
    await a.page.keyboard.type('1002h');
    assert.equal(await field.inputValue(), '1002h');
    await field.fill('1002');
    await field.press('Enter');
    await incoming(b.page).waitFor();
    await b.page.locator('body').press('a');
    await audioConnected(a.page, '1002');
    await callCard(b.page, '1001').getByText('In call').waitFor();
    await b.page.locator('body').press('h');
    await eventually(async () => /Incoming, answered/.test(await recentText(b.page)), { message: 'hung up from the keyboard' });

    await b.page.locator('body').press('?');
    const help = b.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    assert.match(await help.textContent(), /a\s*Answer the ringing call[\s\S]*h\s*Hang up[\s\S]*\/\s*Go to the Number field/);
    await help.getByRole('button', { name: 'Close' }).click();
    await help.waitFor({ state: 'hidden' });
  });
});
