import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { button, eventually, incoming } from '../support/browser.mjs';
import { audioConnected, callCard, usePhones } from '../support/phones.mjs';

/** The profile's service worker, once it controls the panel. */
async function serviceWorker(p) {
  await p.page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, { timeout: 15000 });
  return p.context.serviceWorkers()[0] ?? p.context.waitForEvent('serviceworker');
}

/** The system notifications the service worker shows, as the user would read them. */
const shown = (sw) => sw.evaluate(async () => (await self.registration.getNotifications()).map((n) => ({
  title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction, actions: n.actions.map((a) => a.title),
})));

/* global NotificationEvent */
/** What the browser does when the user picks `action` on the notification (empty: its body). */
const choose = (sw, action) => sw.evaluate(async (action) => {
  const [n] = await self.registration.getNotifications();
  self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n, action }));
}, action);

describe('a screen pop that finds you anywhere: the service worker\'s notification', () => {
  const { rig, phone } = usePhones();

  /** The callee, with notifications allowed and its panel out of focus. */
  async function away(user) {
    const p = await phone(user);
    await p.context.grantPermissions(['notifications'], { origin: rig.site.origin });
    const sw = await serviceWorker(p);
    // Playwright makes every page think it has focus; the user here is working in another window.
    const cdp = await p.context.newCDPSession(p.page);
    const leave = async () => {
      await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
      await (await p.context.newPage()).bringToFront();
      await eventually(() => sw.evaluate(async () => !(await self.clients.matchAll({ type: 'window' })).some((c) => c.focused)),
        { message: 'no Patchbay tab has focus' });
    };
    await leave();
    return { ...p, sw, leave };
  }

  it('shows Answer and Decline while no tab has focus, and Answer answers the call', async () => {
    const b = await away('1002');
    const a = await phone('1001');
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1002');
    await button(a.page, 'Call').click();
    await eventually(async () => (await shown(b.sw)).length === 1, { message: 'one notification' });
    const [n] = await shown(b.sw);
    assert.equal(n.title, 'Incoming call');
    assert.match(n.body, /1001/);
    assert.deepEqual(n.actions, ['Answer', 'Decline']);
    assert.equal(n.requireInteraction, true);
    assert.match(n.tag, /^call-/);
    await choose(b.sw, 'answer');
    await audioConnected(a.page, '1002');
    await callCard(b.page, '1001').getByText('In call').waitFor();
    assert.deepEqual(await shown(b.sw), [], 'the notification is gone once answered');
  });

  it('Decline sends the call to voicemail (486 Busy Here)', async () => {
    const b = await away('1003');
    const a = await phone('1004');
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1003');
    await button(a.page, 'Call').click();
    await eventually(async () => (await shown(b.sw)).length === 1, { message: 'one notification' });
    await choose(b.sw, 'decline');
    await a.page.getByRole('list', { name: 'Recent calls' }).getByText('Outgoing, busy').waitFor();
  });

  it('closes when the call is answered in a tab, and when the caller gives up', async () => {
    const b = await away('1005');
    const a = await phone('1006');
    await a.page.getByRole('combobox', { name: 'Number' }).fill('1005');
    await button(a.page, 'Call').click();
    await eventually(async () => (await shown(b.sw)).length === 1, { message: 'notification while ringing' });
    // Clicked without moving focus (a real click would bring the tab forward, and then no notification is due).
    await button(incoming(b.page), 'Answer').dispatchEvent('click');
    await eventually(async () => (await shown(b.sw)).length === 0, { message: 'closed once answered in the tab' });
    await button(callCard(b.page, '1006'), 'Hang up').dispatchEvent('click');

    await a.page.getByRole('combobox', { name: 'Number' }).fill('1005');
    await button(a.page, 'Call').click();
    await eventually(async () => (await shown(b.sw)).length === 1, { message: 'notification for the second call' });
    await button(callCard(a.page, '1005'), 'Hang up').click();
    await eventually(async () => (await shown(b.sw)).length === 0, { message: 'closed once the caller hung up' });
  });
});
