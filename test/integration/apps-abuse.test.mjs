// A registered app gone bad, using only what the SDK and a raw port allow: it must not stall the hub,
// grow a record, call behind the user's back, keep its port once removed, reload itself, flood the
// handshake, pass as the user or start a download. Another app in the same panel notices nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { button, eventually, openProfile, openTab, signIn, waitStatus } from '../support/browser.mjs';
import { appConnected, appFrame, probe, useAppsRig } from '../support/apps.mjs';

/** The same address in another spelling: upper-case scheme, a `./` segment. */
const respell = (url) => url.replace(/^http:/, 'HTTP:').replace('/fixtures/', '/fixtures/./');

describe('an app gone bad', { timeout: 300_000 }, () => {
  const rig = useAppsRig({
    pbx: { rtpengine: false },
    apps: (url) => [
      probe(url, 'watcher', ['read']),
      probe(url, 'rogue', ['read', 'write:contact', 'dial']),
      probe(url, 'nogrant', []),
      { ...probe(url, 'respelt', ['read']), url: respell(probe(url, 'respelt', ['read']).url) },
    ],
  });
  let page, context, watcher, rogue, nogrant, target;
  const record = () => page.getByRole('region', { name: 'Call record' });
  /** Opens a lookup for `number` from the panel's form. */
  const lookUp = async (tab, number) => {
    const field = tab.locator('pb-lookup').getByLabel('Number');
    if (!(await field.isVisible())) await tab.getByText('Look up a number or a business card').click();
    await field.fill(number);
    await button(tab.locator('pb-lookup'), 'Look up').click();
  };
  const watcherAnswers = () =>
    watcher.evaluate(async () => {
      const t = performance.now();
      await window.pb.calls.list({ live: true });
      return performance.now() - t;
    });

  before(async () => {
    ({ context, pages: [page] } = await openProfile(rig.browser, rig.site));
    await signIn(page, rig.pbx, '1004');
    await waitStatus(page, 'Registered');
    const [w, r, n, s] = rig.apps;
    [watcher, rogue, nogrant] = await Promise.all([w, r, n].map((a) => appFrame(page, a.url)));
    await appConnected(watcher, 'watcher');
    await appConnected(rogue, 'rogue');
    await appConnected(nogrant, 'nogrant');
    await appConnected(await appFrame(page, new URL(s.url).href), 'respelt');
    await lookUp(page, '+44 20 7946 0001');
    target = await eventually(() => watcher.evaluate(() => window.events.find((e) => e.type === 'opened')?.id), { message: 'a record to attack' });
  });
  after(() => context?.close());

  it('a sparse list of length 2³²−1 in a request or a patch is refused at once, by an app with no grants too', async () => {
    const attacks = {
      path: await nogrant.evaluate(async () => {
        const port = await window.rawHandshake();
        const t = performance.now();
        const reply = await window.rawCall(port, { type: 'APPLY', path: new Array(2 ** 32 - 1), argumentList: [] }, 5000);
        return { name: reply.value?.value?.name, ms: performance.now() - t };
      }),
      args: await nogrant.evaluate(async () => {
        const port = await window.rawHandshake();
        const t = performance.now();
        const reply = await window.rawCall(port, { type: 'APPLY', path: ['calls', 'list'], argumentList: new Array(2 ** 32 - 1) }, 5000);
        return { name: reply.value?.value?.name, ms: performance.now() - t };
      }),
      tags: await nogrant.evaluate(async (id) => {
        const t = performance.now();
        const name = await window.pb.calls.patch(id, { tags: new Array(2 ** 32 - 1) }).then(() => 'ok', (e) => e.name);
        return { name, ms: performance.now() - t };
      }, target),
      own: await nogrant.evaluate(async (id) => {
        const t = performance.now();
        const name = await window.pb.calls.patch(id, { 'apps.nogrant.list': new Array(1e7) }).then(() => 'ok', (e) => `${e.name}: ${e.message}`);
        return { name, ms: performance.now() - t };
      }, target),
      links: await rogue.evaluate(async (id) => {
        const t = performance.now();
        const name = await window.pb.calls.patch(id, { 'contact.links': new Array(2 ** 32 - 1) }).then(() => 'ok', (e) => `${e.name}: ${e.message}`);
        return { name, ms: performance.now() - t };
      }, target),
    };
    assert.equal(attacks.path.name, 'InvalidMessage', JSON.stringify(attacks));
    assert.equal(attacks.args.name, 'InvalidMessage', JSON.stringify(attacks));
    // No write grant: refused for the grant, before the value is looked at.
    assert.equal(attacks.tags.name, 'PermissionDenied', JSON.stringify(attacks));
    assert.match(attacks.own.name, /^InvalidMessage: apps\.nogrant\.list has more than \d+ entries/);
    assert.match(attacks.links.name, /^InvalidMessage: contact\.links must be a list of at most 20 links/);
    for (const [what, { ms }] of Object.entries(attacks)) assert.ok(ms < 1000, `${what} answered in ${Math.round(ms)} ms`);
    // The hub and the panel are still there, and the call panel still registered.
    assert.ok((await watcherAnswers()) < 1000);
    await waitStatus(page, 'Registered');
  });

  it('an app\'s private area is capped by keys and bytes; a cleared field loses its author; a heavy writer is slowed', async () => {
    const result = await rogue.evaluate(async (id) => {
      const outcomes = [];
      for (let i = 0; i < 100; i++) {
        const fields = Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`apps.rogue.k${i}x${k}`, k]));
        outcomes.push(await window.pb.calls.patch(id, fields).then(() => 'ok', (e) => `${e.name}: ${e.message}`));
      }
      return { outcomes, call: await window.pb.calls.get(id) };
    }, target);
    assert.equal(result.outcomes[0], 'ok');
    assert.match(result.outcomes[1], /^InvalidMessage: Not saved: apps\.rogue would hold 100 keys; at most 50/);
    assert.equal(result.outcomes.filter((o) => o === 'ok').length, 1);
    assert.equal(Object.keys(result.call.apps.rogue).length, 50);
    // The card shows the record without thousands of nodes.
    const nodes = await record().evaluate((el) => {
      const count = (n) => 1 + [...n.children, ...(n.shadowRoot ? n.shadowRoot.children : [])].reduce((a, c) => a + count(c), 0);
      return count(el);
    });
    assert.ok(nodes < 3000, `${nodes} nodes in the call record`);

    // Clearing takes the provenance with the field.
    const cleared = await rogue.evaluate(async (id) => {
      await window.pb.calls.patch(id, { 'contact.title': 'Spy' });
      await window.pb.calls.patch(id, { 'contact.title': null, 'apps.rogue.k0x0': null });
      return (await window.pb.calls.get(id)).provenance;
    }, target);
    assert.equal(cleared['contact.title'], undefined);
    assert.equal(cleared['apps.rogue.k0x0'], undefined);

    // Large writes cost more than small ones: a burst of 15 KB values runs out of budget long before
    // a burst of small ones would, and the other app is still answered at once.
    const heavy = await rogue.evaluate(async (id) => {
      const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) =>
        window.pb.calls.patch(id, { 'apps.rogue.k0x1': `${i}`.padEnd(15_000, 'x') }).then(() => 'ok', (e) => e.name)));
      return { ok: outcomes.filter((o) => o === 'ok').length, limited: outcomes.filter((o) => o === 'RateLimited').length };
    }, target);
    assert.ok(heavy.limited > 0, `a burst of heavy writes is slowed: ${JSON.stringify(heavy)}`);
    assert.ok((await watcherAnswers()) < 1000);
  });

  it('dial asks the user first: nothing is called until "Call", one request at a time, and only numbers or the PBX\'s domain', async () => {
    // The heavy writes above spent the app's budget: it refills in two seconds.
    await new Promise((r) => setTimeout(r, 2500));
    const asked = await rogue.evaluate(() => {
      window.dials = Array.from({ length: 30 }, () => window.pb.phone.dial('+1 555 0100').then((r) => `placed ${r.id}`, (e) => `${e.name}: ${e.message}`));
      return Promise.race([Promise.all(window.dials.slice(1)), new Promise((r) => setTimeout(() => r('waiting'), 3000))]);
    });
    assert.equal(asked.filter((o) => /^RateLimited: A call that Rogue asked for is already waiting/.test(o)).length, 29, JSON.stringify(asked));
    const dialog = page.getByRole('alertdialog', { name: 'Rogue wants to place a call' });
    await dialog.getByText('Rogue wants to call +1 555 0100').waitFor();
    // Nothing was dialled meanwhile.
    assert.equal(await page.getByRole('region', { name: /^Call with/ }).count(), 0);
    await button(dialog, 'Cancel').click();
    assert.equal(await rogue.evaluate(() => window.dials[0]), 'PermissionDenied: The user cancelled the call');
    await dialog.waitFor({ state: 'detached' });

    const foreign = await rogue.evaluate(() =>
      Promise.all(['sip:1005@elsewhere.example', '1005@elsewhere.example', 'javascript:alert(1)'].map((t) => window.pb.phone.dial(t).then(() => 'placed', (e) => e.name))));
    assert.deepEqual(foreign, ['PermissionDenied', 'PermissionDenied', 'PermissionDenied']);

    // "Call" places it, and the app gets the call's id.
    const placed = rogue.evaluate(() => window.pb.phone.dial('1005').then((r) => r.id, (e) => `${e.name}: ${e.message}`));
    await button(page.getByRole('alertdialog', { name: 'Rogue wants to place a call' }), 'Call 1005').click();
    const id = await placed;
    assert.match(id, /^[0-9a-f-]{36}$/, id);
    const call = await watcher.evaluate((callId) => window.pb.calls.get(callId), id);
    assert.equal(call.direction, 'outbound');
    assert.match(call.remote.uri, /^sip:1005@/);
    await eventually(async () => (await watcher.evaluate((callId) => window.pb.calls.get(callId), id)).state === 'ended', { message: 'the call ends (1005 is not signed in)', timeout: 20000 });
  });

  it('an app with an address in another spelling loads once, however often the panel renders', async () => {
    const url = new URL(rig.apps[3].url).href;
    let loads = 0;
    const count = (frame) => {
      if (frame.url() === url) loads++;
    };
    page.on('framenavigated', count);
    try {
      for (let i = 0; i < 3; i++) {
        const opened = await watcher.evaluate(() => window.events.filter((e) => e.type === 'opened').length);
        await lookUp(page, `+44 20 7946 010${i}`);
        await eventually(async () => (await watcher.evaluate(() => window.events.filter((e) => e.type === 'opened').length)) > opened, { message: 'the lookup opened' });
      }
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      page.off('framenavigated', count);
    }
    assert.equal(loads, 0, 'the app was reloaded by a render');
  });

  it('a flood of handshakes neither freezes the panel nor hands out more than a few ports', async () => {
    await page.evaluate(() => {
      window.longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.longest = Math.max(window.longest, e.duration);
      }).observe({ type: 'longtask' });
    });
    // The app with no grants floods (each port handed out closes its oldest: its own SDK connection
    // goes, which is its own loss).
    const ports = await nogrant.evaluate(async () => {
      let got = 0;
      const onPort = (event) => {
        if (event.data?.type === 'patchbay:port') got++;
      };
      window.addEventListener('message', onPort);
      const until = performance.now() + 1000;
      while (performance.now() < until) {
        for (let i = 0; i < 100; i++) window.parent.postMessage({ type: 'patchbay:connect', version: 1, nonce: `flood-${i}` }, '*');
        await new Promise((r) => setTimeout(r, 0));
      }
      await new Promise((r) => setTimeout(r, 1500));
      window.removeEventListener('message', onPort);
      return got;
    });
    assert.ok(ports <= 12, `${ports} ports handed out to a flood`);
    const longest = await page.evaluate(() => window.longest);
    assert.ok(longest < 1000, `the panel froze for ${Math.round(longest)} ms`);
    assert.ok((await watcherAnswers()) < 1000);
  });

  it('an app cannot start a download, and its popups stay in the sandbox', async () => {
    const sandbox = await page.locator('pb-apps iframe').first().getAttribute('sandbox');
    assert.ok(!sandbox.includes('allow-popups-to-escape-sandbox') && !sandbox.includes('allow-downloads'), sandbox);
    let downloads = 0;
    page.on('download', () => downloads++);
    await rogue.evaluate(() => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob(['MZ payload'], { type: 'application/octet-stream' }));
      a.download = 'invoice.exe';
      document.body.append(a);
      a.click();
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(downloads, 0);
  });

  it('an app the admin takes grants from, then removes, loses them at once, even on a port its popup holds', async () => {
    // The rogue app opens a popup (same origin) and hands it a port of its own.
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      rogue.evaluate(() => void (window.popup = window.open('/fixtures/probe.html?mode=silent&popup=1'))),
    ]);
    await popup.waitForFunction(() => typeof window.rawCall === 'function');
    const taken = popup.evaluate(() => new Promise((resolve) => addEventListener('message', (e) => {
      if (e.data?.type !== 'take-port') return;
      window.port = e.ports[0];
      resolve(true);
    })));
    await rogue.evaluate(async () => {
      const port = await window.rawHandshake();
      window.popup.postMessage({ type: 'take-port' }, '*', [port]);
    });
    await taken;
    const fromPopup = (message) => popup.evaluate((m) => window.rawCall(window.port, m, 3000).then((r) => (r === 'no answer' ? r : r.value?.value?.name ?? r.value?.id ?? 'answered')), message);
    assert.equal(await fromPopup({ type: 'APPLY', path: ['hello'], argumentList: [] }), 'rogue');

    const apps = rig.apps.map((a) => (a.id === 'rogue' ? { ...a, grants: ['read'] } : a));
    rig.site.setFile('/config.json', JSON.stringify({ apps }));
    // A tab opened now reads the new list; the rogue app's iframe in the first tab is still loaded.
    const second = await openTab(context, rig.site);
    await waitStatus(second, 'Registered');
    await eventually(async () => (await rogue.evaluate((id) => window.pb.calls.patch(id, { 'contact.name': 'Mallory' }).then(() => 'ok', (e) => e.name), target)) === 'PermissionDenied',
      { message: 'write:contact taken away' });
    assert.equal(await rogue.evaluate(() => window.pb.phone.dial('1005').then(() => 'placed', (e) => e.name)), 'PermissionDenied');
    assert.equal(await fromPopup({ type: 'APPLY', path: ['phone', 'dial'], argumentList: [{ type: 'RAW', value: '1005' }] }), 'PermissionDenied');

    rig.site.setFile('/config.json', JSON.stringify({ apps: apps.filter((a) => a.id !== 'rogue') }));
    const third = await openTab(context, rig.site);
    await waitStatus(third, 'Registered');
    await eventually(async () => (await fromPopup({ type: 'APPLY', path: ['hello'], argumentList: [] })) === 'no answer', { message: 'the port closed', timeout: 15000 });
    assert.equal(await fromPopup({ type: 'APPLY', path: ['phone', 'dial'], argumentList: [{ type: 'RAW', value: '1005' }] }), 'no answer');
    // The others are untouched.
    assert.ok((await watcherAnswers()) < 1000);
    await popup.close();
    await second.close();
    await third.close();
    rig.site.setFile('/config.json', JSON.stringify({ apps: rig.apps }));
  });

  it('an app named "User" in the settings gets an id of its own: its writes never show as the user\'s', async () => {
    const { context: ctx, pages: [tab] } = await openProfile(rig.browser, rig.site);
    try {
      await signIn(tab, rig.pbx, '1009', { remember: true });
      await waitStatus(tab, 'Registered');
      await tab.getByText('Apps', { exact: true }).click();
      const url = `${rig.appsSite.url}fixtures/probe.html?app=user-named`;
      await tab.getByLabel('App name').fill('User');
      await tab.getByLabel('App address').fill(url);
      await tab.getByLabel('Write contact details').check();
      await button(tab, 'Add app').click();
      await tab.getByRole('list', { name: 'Apps in the panel' }).getByText('User').waitFor();
      await tab.reload();
      await waitStatus(tab, 'Registered');
      const frame = await appFrame(tab, url);
      await frame.getByRole('status', { includeHidden: true }).filter({ hasText: /^Connected as / }).waitFor({ state: 'attached', timeout: 15000 });
      const { id } = await frame.evaluate(() => window.ready);
      assert.notEqual(id, 'user');
      await lookUp(tab, '+44 20 7946 0999');
      const callId = await eventually(() => frame.evaluate(() => window.events.find((e) => e.type === 'opened')?.id), { message: 'opened' });
      await frame.evaluate((cid) => window.pb.calls.patch(cid, { 'contact.company': 'Written by the app' }), callId);
      const card = tab.getByRole('region', { name: 'Call record' });
      // The field is named with who wrote it.
      const company = card.getByRole('textbox', { name: 'Company by User', exact: true });
      await eventually(async () => (await company.count()) > 0 && (await company.inputValue()) === 'Written by the app', { message: 'the company shown as the app\'s' });
      assert.doesNotMatch(await card.textContent(), /by you/);
    } finally {
      await ctx.close();
    }
  });
});
