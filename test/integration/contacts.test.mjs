import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { button, eventually, incoming } from '../support/browser.mjs';
import { callCard, usePhones } from '../support/phones.mjs';

/** Imports a contacts file through Settings → Contacts, as the user picks it. */
async function importContacts(page, name, text) {
  const card = page.locator('pb-contacts');
  await card.getByText(/^Contacts \(/).click();
  await card.getByLabel('Import contacts').setInputFiles({ name, mimeType: name.endsWith('.csv') ? 'text/csv' : 'text/vcard', buffer: Buffer.from(text) });
  await card.getByRole('status').filter({ hasText: /^Imported/ }).waitFor();
  return card.getByRole('status').textContent();
}

const vcard = (name, org, tel) => `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${name}\r\nORG:${org}\r\nTEL;TYPE=WORK,VOICE:${tel}\r\nEND:VCARD\r\n`;

describe('contacts: dial by name and caller ID', () => {
  const { phone } = usePhones();

  it('imports a vCard file, finds a contact by part of the name, picks it with the keyboard and calls it', async () => {
    const a = await phone('1001');
    const b = await phone('1002');
    const said = await importContacts(a.page, 'team.vcf', vcard('Grace Hopper', 'US Navy', '1002') + vcard('Alan Turing', 'Bletchley Park', '1003'));
    assert.match(said, /Imported 2 contacts from team\.vcf/);
    const field = a.page.getByRole('combobox', { name: 'Number' });
    await field.fill('hop');
    const options = a.page.getByRole('listbox', { name: 'Matching contacts and calls' }).getByRole('option');
    await eventually(async () => (await options.count()) === 1, { message: 'one match for "hop"' });
    assert.match(await options.first().textContent(), /Grace Hopper \(US Navy\)[\s\S]*1002[\s\S]*work/);
    assert.equal(await field.getAttribute('aria-expanded'), 'true');
    await field.press('ArrowDown');
    assert.equal(await field.getAttribute('aria-activedescendant'), 'option-0');
    await field.press('Enter');
    assert.equal(await field.inputValue(), '1002');
    assert.equal(await field.getAttribute('aria-expanded'), 'false');
    await field.press('Enter');
    await incoming(b.page).waitFor();
    // The caller's card names the callee from the contacts too.
    await callCard(a.page, 'Grace Hopper').waitFor();
    await button(incoming(b.page), 'Decline').click();
  });

  it('a call from a contact\'s number shows the contact in the dialog of every tab, from the first ring', async () => {
    const a = await phone('1003');
    const b = await phone('1004', { tabs: 2 });
    await importContacts(b.page, 'people.csv', 'First Name,Last Name,Organization Name,Phone 1 - Label,Phone 1 - Value\nAda,Lovelace,Analytical Engines,Mobile,1003\n');
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1004');
    await button(a.page, 'Call').click();
    for (const tab of b.pages) {
      await incoming(tab).waitFor();
      await eventually(async () => /Ada Lovelace/.test(await incoming(tab).textContent()), { message: 'the contact\'s name in the screen pop' });
    }
    const record = await b.page.evaluate(async () => {
      const api = document.querySelector('patchbay-app').client.api;
      const [call] = await api.list({ live: true });
      return { contact: call.contact, by: call.provenance['contact.name'].by };
    });
    assert.deepEqual(record, { contact: { name: 'Ada Lovelace', company: 'Analytical Engines' }, by: 'contacts' });
    await button(incoming(b.page), 'Decline').click();
  });
});
