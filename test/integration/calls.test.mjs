import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { useRig } from '../support/rig.mjs';
import { button, eventually, incoming } from '../support/browser.mjs';
import { audioConnected, callCard, connect, phone, recentText } from '../support/phones.mjs';

describe('calls between two browsers through Kamailio', () => {
  let pbx, site, browser;
  const open = [];
  const make = async (user, options) => {
    const p = await phone(browser, site, pbx, user, options);
    open.push(p);
    return p;
  };
  const rig = useRig();
  before(() => ({ pbx, site, browser } = rig));
  afterEach(async () => {
    while (open.length) await open.pop().close().catch(() => undefined);
  });

  it('connects audio both ways and both sides log an answered call', async () => {
    const [a, b] = [await make('1001'), await make('1002')];
    await connect(a, b);
    assert.match(await callCard(a.page, '1002').getByRole('timer').textContent(), /^\d+:\d\d$/);
    await button(callCard(b.page, '1001'), 'Hang up').click();
    await eventually(async () => /Outgoing, answered/.test(await recentText(a.page)), { message: 'caller log' });
    await eventually(async () => /Incoming, answered/.test(await recentText(b.page)), { message: 'callee log' });
  });

  it('declining stops the ringing and tells the caller', async () => {
    const [a, b] = [await make('1001'), await make('1002')];
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1002');
    await button(a.page, 'Call').click();
    await button(incoming(b.page), 'Decline').click();
    await eventually(async () => /Outgoing, declined/.test(await recentText(a.page)), { message: 'caller sees declined' });
    assert.match(await recentText(b.page), /Incoming, declined/);
    assert.equal(await incoming(b.page).count(), 0);
  });

  it('sending to voicemail answers 486 Busy Here', async () => {
    const [a, b] = [await make('1001'), await make('1002')];
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1002');
    await button(a.page, 'Call').click();
    await button(incoming(b.page), 'Send to voicemail').click();
    await eventually(async () => /Outgoing, busy/.test(await recentText(a.page)), { message: 'caller sees busy' });
    assert.match(await recentText(b.page), /Incoming, sent to voicemail/);
  });

  it('a call the caller cancels is cancelled for the caller and missed for the callee', async () => {
    const [a, b] = [await make('1001'), await make('1002')];
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1002');
    await button(a.page, 'Call').click();
    await incoming(b.page).waitFor();
    await button(callCard(a.page, '1002'), 'Hang up').click();
    await eventually(async () => /Incoming, missed/.test(await recentText(b.page)), { message: 'callee sees missed' });
    assert.match(await recentText(a.page), /Outgoing, cancelled/);
    assert.equal(await incoming(b.page).count(), 0);
  });

  it('hold, resume, mute and keypad tones work on a connected call', async () => {
    const [a, b] = [await make('1001'), await make('1002')];
    await connect(a, b);
    const card = callCard(a.page, '1002');
    await button(card, 'Hold').click();
    await card.getByText('On hold').waitFor();
    await button(card, 'Resume').click();
    await card.getByText('In call').waitFor();
    await audioConnected(a.page, '1002');
    await button(card, 'Mute').click();
    await button(card, 'Unmute').waitFor();
    assert.equal(await button(card, 'Unmute').getAttribute('aria-pressed'), 'true');
    await button(card, 'Unmute').click();
    await button(card, 'Mute').waitFor();
    pbx.resetCounts();
    await button(card, 'Keypad').click();
    for (const key of ['1', '2', '#']) await button(card, key).click();
    await eventually(async () => (await card.getByLabel('Tones sent').textContent()).trim() === '12#', { message: 'tones shown' });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!/PBX-MSG INFO/.test(pbx.logs().split('\n').slice(-50).join('\n')), 'tones went as RFC 4733 in the media, not SIP INFO');
    await audioConnected(b.page, '1001');
  });

  it('a blind transfer connects the caller to the third party', async () => {
    const [a, b, c] = [await make('1001'), await make('1002'), await make('1003')];
    await connect(a, b);
    const card = callCard(b.page, '1001');
    await button(card, 'Transfer').click();
    await card.getByRole('textbox', { name: 'Transfer to' }).fill('1003');
    await button(card, 'Transfer now').click();
    await incoming(c.page).waitFor();
    assert.match(await incoming(c.page).textContent(), /1001/);
    await button(incoming(c.page), 'Answer').click();
    await audioConnected(c.page, '1001');
    await audioConnected(a.page, '1003');
    await eventually(async () => /Incoming, answered/.test(await recentText(b.page)), { message: 'transferor done' });
  });

  it('call waiting: answering a second call puts the first on hold', async () => {
    const [a, b, c] = [await make('1001'), await make('1002'), await make('1003')];
    await connect(a, b);
    await c.page.getByRole('combobox', { name: 'Number' }).fill('1001');
    await button(c.page, 'Call').click();
    await incoming(a.page).waitFor();
    await button(incoming(a.page), 'Answer').click();
    await callCard(a.page, '1002').getByText('On hold').waitFor();
    await audioConnected(a.page, '1003');
    await button(callCard(a.page, '1003'), 'Hang up').click();
    await button(callCard(a.page, '1002'), 'Resume').click();
    await callCard(a.page, '1002').getByText('In call').waitFor();
    await audioConnected(a.page, '1002');
  });

  // Without SharedWorker the first tab also runs the hub: closing it ends the call (fallback.test.mjs).
  it('closing the tab that plays the audio does not drop the call', { skip: process.env.PATCHBAY_NO_SHARED_WORKER === '1' && 'the first tab hosts the hub' }, async () => {
    const a = await make('1001', { tabs: 2 });
    const b = await make('1002');
    await connect(a, b);
    // The first tab won the media role: audio and the ringtone play there, and only there.
    await a.pages[0].getByText('Audio plays in this tab').waitFor();
    assert.equal(await a.pages[1].getByText('Audio plays in this tab').count(), 0);
    await a.pages[0].close();
    await a.pages[1].getByText('Audio plays in this tab').waitFor({ timeout: 10000 });
    await callCard(a.pages[1], '1002').getByText('audio moved after a tab closed').waitFor({ timeout: 20000 });
    await audioConnected(a.pages[1], '1002', 20000);
    await audioConnected(b.page, '1001');
    await button(callCard(a.pages[1], '1002'), 'Hang up').click();
    await eventually(async () => /Incoming, answered/.test(await recentText(b.page)), { message: 'call ended normally' });
  });
});
