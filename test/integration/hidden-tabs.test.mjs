// Hours in a background tab must not cost a call or the registration. Chromium here runs as a user's
// would: background timer throttling on, and intensive wake-up throttling (one wake-up a minute for a
// tab hidden more than five minutes) brought forward to ten seconds, so a 75 s run is past the point
// where hours of hiding change nothing more. The panel's tab sits behind another tab; the registrar
// grants 20 s, so the hub must refresh every ~18 s. The registration and the SIP session live in the
// hub's worker, which Chromium does not throttle like a page; what a hidden tab must still do on time
// is show the ringing call and play it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { button, controlled, eventually, incoming, signIn, startSite, waitStatus } from '../support/browser.mjs';
import { sippCall, startPbx } from '../support/pbx.mjs';
import { audioConnected } from '../support/phones.mjs';
import { startRealTabs } from '../support/real-tabs.mjs';

const GRACE_S = 10;
const HIDDEN_S = 75;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a panel in a hidden, throttled tab', () => {
  let pbx, site, chrome;
  before(async () => {
    [pbx, site, chrome] = await Promise.all([
      startPbx({ rtpengine: true, maxExpires: 20 }),
      startSite(),
      startRealTabs({ features: [`IntensiveWakeUpThrottling:grace_period_seconds/${GRACE_S}`] }),
    ]);
  });
  after(async () => {
    await chrome?.close();
    await site?.close();
    await pbx?.stop();
  });

  it('keeps the registration fresh, rings with a notification and answers after a long time hidden', async () => {
    const origin = new URL(site.url).origin;
    await chrome.send('Browser.grantPermissions', { origin, permissions: ['notifications', 'audioCapture'] });
    let pw = await chrome.attach();
    const page = pw.contexts()[0].pages()[0];
    await page.goto(site.url);
    await signIn(page, pbx, '1001');
    await waitStatus(page, 'Registered');
    // The service worker, which shows the notifications, has taken the page.
    await controlled(page);
    const baseTitle = await page.title();

    // A plain page in another background tab: it shows what this browser does to hidden tabs.
    const control = await chrome.openTab('data:text/html,<title>Notes</title><p>A page left in the background');
    // The user goes to another tab; playwright lets go, so the panel's tab is really hidden.
    await chrome.openTab('data:text/html,<title>CRM</title><p>Another app');
    await pw.close();
    const panel = await chrome.pageTarget(origin);
    assert.ok(panel, 'the panel tab is still open');
    for (const tab of [panel, control]) {
      await eventually(async () => (await chrome.evaluate(tab, 'document.visibilityState')) === 'hidden', { message: 'the tab is hidden' });
    }

    // A chained 100 ms timer in each hidden tab measures the throttling it lives under.
    const probe = `window.wakeups = 0; (function tick() { window.wakeups++; setTimeout(tick, 100); })(); 0`;
    for (const tab of [panel, control]) await chrome.evaluate(tab, probe);
    const before = pbx.counts();
    await sleep((GRACE_S + 5) * 1000);
    const early = { panel: await chrome.evaluate(panel, 'window.wakeups'), control: await chrome.evaluate(control, 'window.wakeups') };
    await sleep((HIDDEN_S - GRACE_S - 5) * 1000);
    const late = {
      panel: (await chrome.evaluate(panel, 'window.wakeups')) - early.panel,
      control: (await chrome.evaluate(control, 'window.wakeups')) - early.control,
    };
    const during = pbx.counts();
    const refreshes = (during.registrationsByUser['1001'] ?? 0) - (before.registrationsByUser['1001'] ?? 0);
    const lateS = HIDDEN_S - GRACE_S - 5;
    console.log(`hidden ${HIDDEN_S} s; wake-ups of a 100 ms timer chain in the last ${lateS} s (600 unthrottled): panel tab ${late.panel}, plain page ${late.control}; ${refreshes} REGISTER refreshes accepted; ${during.wsOpen - before.wsOpen} new WebSockets`);
    // The browser throttles for real: the plain page is down to a wake-up a minute (intensive
    // throttling), and the panel's tab to about one a second at most.
    assert.ok(late.control <= 3, `intensive throttling is on (the plain page woke ${late.control} times)`);
    assert.ok(late.panel <= lateS * 1.2, `the panel's tab is throttled (${late.panel} wake-ups)`);
    assert.equal(await chrome.evaluate(panel, 'document.visibilityState'), 'hidden');
    // …and the hub, which is not the page, refreshed on time over one connection.
    assert.ok(refreshes >= Math.floor(HIDDEN_S / 20), `the registration was refreshed (${refreshes} times in ${HIDDEN_S} s)`);
    assert.equal(during.wsOpen - before.wsOpen, 0, 'the WebSocket never dropped');

    // A call: the hidden tab changes its title and shows a notification with Answer / Decline.
    const started = Date.now();
    const call = sippCall(pbx, { to: '1001', from: '1010', durationMs: 3000, timeoutMs: 60000 });
    await eventually(async () => (await chrome.evaluate(panel, 'document.title')) !== baseTitle, { timeout: 15000, message: 'the hidden tab\'s title says a call is ringing' });
    const titleAfter = Date.now() - started;
    const notes = await eventually(async () => {
      const list = await chrome.evaluate(panel, `navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => ({ title: n.title, actions: n.actions.map((a) => a.title) })))`);
      return list.length ? list : undefined;
    }, { timeout: 15000, message: 'a notification for the ringing call' });
    console.log(`ringing shown in the hidden tab ${titleAfter} ms after SIPp started; notification: ${JSON.stringify(notes)}`);
    assert.equal(notes.length, 1);
    assert.deepEqual(notes[0].actions, ['Answer', 'Decline']);
    assert.equal(await chrome.evaluate(panel, 'document.visibilityState'), 'hidden', 'it rang while hidden');

    // The user comes back to the tab and answers; audio flows and the caller hangs up as planned.
    pw = await chrome.attach();
    const back = pw.contexts()[0].pages().find((p) => p.url().startsWith(origin));
    await back.bringToFront();
    await button(incoming(back), 'Answer').click();
    await audioConnected(back, 'SIPp 1010');
    const result = await call;
    assert.equal(result.code, 0, `SIPp's call completed: ${result.errors}`);
    await pw.close();
  });
});
