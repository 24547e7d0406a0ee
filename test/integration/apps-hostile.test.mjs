// An app is a stranger. Each attack below is refused with the right named error, and another app in the
// same panel notices nothing. The record attacked is a lookup (no call needed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { button, eventually, openProfile, signIn, waitStatus } from '../support/browser.mjs';
import { appConnected, appFrame, probe, useAppsRig } from '../support/apps.mjs';

describe('hostile apps', () => {
  const rig = useAppsRig({
    pbx: { rtpengine: false },
    apps: (url) => [
      probe(url, 'watcher', ['read']),
      probe(url, 'hostile', ['read', 'write:contact']),
      probe(url, 'silent', ['read'], 'mode=silent'),
    ],
  });
  let page, watcher, hostile, target, context;
  const record = () => page.getByRole('region', { name: 'Call record' });
  /** Runs `fn` in the hostile app with a raw port of its own. */
  const raw = (message) =>
    hostile.evaluate(async (m) => {
      window.port ??= await window.rawHandshake();
      const reply = await window.rawCall(window.port, m);
      return reply === 'no answer' ? reply : { type: reply.type, value: reply.type === 'RAW' ? reply.value : undefined, error: reply.value?.value };
    }, message);
  const sdk = (fn, arg) => hostile.evaluate(fn, arg);
  const watcherEvents = () => watcher.evaluate((id) => window.events.filter((e) => e.id === id).map(({ call: _c, ...e }) => e), target);

  before(async () => {
    ({ context, pages: [page] } = await openProfile(rig.browser, rig.site));
    await page.evaluate(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push({ directive: e.effectiveDirective, uri: e.blockedURI }));
    });
    await signIn(page, rig.pbx, '1006');
    await waitStatus(page, 'Registered');
    [watcher, hostile] = await Promise.all(rig.apps.slice(0, 2).map((a) => appFrame(page, a.url)));
    await appConnected(watcher, 'watcher');
    await appConnected(hostile, 'hostile');
    await page.getByText('Look up a number or a business card').click();
    await page.locator('pb-lookup').getByLabel('Number').fill('+44 20 7946 0000');
    await button(page.locator('pb-lookup'), 'Look up').click();
    target = await eventually(() => watcher.evaluate(() => window.events.find((e) => e.type === 'opened')?.id), { message: 'a record to attack' });
  });
  after(() => context?.close());

  it('an unknown origin gets nothing, not even a refusal, and cannot frame the panel', async () => {
    const intruderSite = await serve({ dir: process.env.PATCHBAY_DIST ?? 'dist', mounts: { '/fixtures/': 'test/fixtures/apps' } });
    try {
      const intruder = await context.newPage();
      const refused = [];
      intruder.on('console', (m) => /frame-ancestors/.test(m.text()) && refused.push(m.text()));
      await intruder.goto(`${intruderSite.url}fixtures/intruder.html?panel=${encodeURIComponent(rig.site.url)}`);
      await intruder.waitForFunction(() => typeof window.rawHandshake === 'function');
      // The panel's header forbids every framer: the iframe holds an error page, never the panel.
      await eventually(() => refused.length > 0, { message: 'a frame-ancestors refusal' });
      const framed = intruder.frames().find((f) => f !== intruder.mainFrame());
      assert.equal(await framed.locator('patchbay-app').count(), 0, 'the panel is not in the frame');
      // A window it opened itself: a live panel with its apps connected, and still no answer.
      const [opened] = await Promise.all([context.waitForEvent('page'), button(intruder, 'Open the panel').click()]);
      await appConnected(await appFrame(opened, rig.apps[0].url), 'watcher');
      const answer = await intruder.evaluate(() => window.rawHandshake(window.panel, 2000));
      assert.equal(answer, 'no answer');
      await opened.close();
      await intruder.close();
    } finally {
      await intruderSite.close();
    }
  });

  it('a window of a registered origin that is not the registered iframe is ignored, and an app cannot claim another id', async () => {
    await hostile.evaluate(() => {
      const nested = document.createElement('iframe');
      nested.src = '/fixtures/probe.html?mode=silent&nested=1';
      document.body.append(nested);
    });
    const nested = await eventually(() => page.frames().find((f) => f.url().includes('nested=1')), { message: 'nested frame' });
    await nested.waitForFunction(() => typeof window.rawHandshake === 'function');
    assert.equal(await nested.evaluate(() => window.rawHandshake(window.top, 2000)), 'no answer');
    // Whatever the message claims, the port is bound to the iframe's own registry entry.
    const hello = await hostile.evaluate(async () => {
      const port = await window.rawHandshake(window.parent, 2000, { app: 'watcher', id: 'watcher', grants: ['dial'] });
      return (await window.rawCall(port, { type: 'APPLY', path: ['hello'], argumentList: [] })).value;
    });
    assert.equal(hello.id, 'hostile');
    assert.deepEqual(hello.grants, ['read', 'write:contact']);
  });

  it('property paths, prototype payloads and non-method messages are refused as InvalidMessage', async () => {
    const attacks = [
      { type: 'GET', path: ['constructor', 'constructor'] },
      { type: 'APPLY', path: ['constructor', 'constructor'], argumentList: [{ type: 'RAW', value: 'return globalThis' }] },
      { type: 'APPLY', path: ['__proto__', 'hello'], argumentList: [] },
      { type: 'APPLY', path: ['hello', 'call'], argumentList: [] },
      { type: 'SET', path: ['calls'], value: { type: 'RAW', value: 1 } },
      { type: 'CONSTRUCT', path: ['hello'], argumentList: [] },
      { type: 'ENDPOINT', path: [] },
      { type: 'APPLY', path: ['calls', 'get'], argumentList: [{ type: 'HANDLER', name: 'proxy', value: 1 }] },
      { type: 'APPLY', path: ['calls', 'list'], argumentList: Array.from({ length: 50 }, () => ({ type: 'RAW', value: 1 })) },
    ];
    for (const attack of attacks) {
      const reply = await raw(attack);
      assert.equal(reply.error?.name, 'InvalidMessage', `${JSON.stringify(attack).slice(0, 80)} → ${JSON.stringify(reply)}`);
    }
    const proto = await raw({
      type: 'APPLY',
      path: ['calls', 'patch'],
      argumentList: [{ type: 'RAW', value: target }, { type: 'RAW', value: JSON.parse('{"__proto__": {"polluted": true}}') }],
    });
    assert.equal(proto.error?.name, 'InvalidMessage');
    const nested = await raw({
      type: 'APPLY',
      path: ['calls', 'patch'],
      argumentList: [{ type: 'RAW', value: target }, { type: 'RAW', value: { contact: JSON.parse('{"__proto__": {"polluted": true}}') } }],
    });
    assert.ok(['InvalidMessage', 'PermissionDenied'].includes(nested.error?.name), JSON.stringify(nested));
    // The hub still answers, and nothing was polluted.
    const ok = await raw({ type: 'APPLY', path: ['calls', 'get'], argumentList: [{ type: 'RAW', value: target }] });
    assert.equal(ok.type, 'RAW');
    assert.equal(ok.value.polluted, undefined);
    assert.equal(ok.value.contact?.polluted, undefined);
  });

  it('writes outside the grant, to PBX fields or to another app\'s area are PermissionDenied; bad values InvalidMessage', async () => {
    const results = await sdk(async (id) => {
      const tryPatch = (fields) => window.pb.calls.patch(id, fields).then((r) => `ok v${r.version}`, (e) => `${e.name}: ${e.message}`);
      return {
        notes: await tryPatch({ notes: 'not mine to write' }),
        state: await tryPatch({ state: 'ended' }),
        number: await tryPatch({ 'remote.number': '+19005550100' }),
        other: await tryPatch({ 'apps.watcher.flag': true }),
        big: await tryPatch({ 'contact.name': 'x'.repeat(100_000) }),
        blob: await tryPatch({ 'apps.hostile.blob': 'y'.repeat(40_000) }),
        shape: await tryPatch({ 'contact.links': 'javascript:alert(1)' }),
        dial: await window.pb.phone.dial('+19005550100').then(() => 'dialled', (e) => e.name),
        own: await tryPatch({ 'apps.hostile.seen': true }),
      };
    }, target);
    assert.match(results.notes, /^PermissionDenied: .*write:notes/);
    assert.match(results.state, /^PermissionDenied: state is a fact from the PBX/);
    assert.match(results.number, /^PermissionDenied/);
    assert.match(results.other, /^PermissionDenied: apps\.watcher is the private area/);
    assert.match(results.big, /^InvalidMessage: contact\.name must be at most 200 characters/);
    assert.match(results.blob, /^InvalidMessage: apps\.hostile\.blob is more than 16384 bytes as JSON/);
    assert.match(results.shape, /^InvalidMessage: contact\.links/);
    assert.equal(results.dial, 'PermissionDenied');
    assert.match(results.own, /^ok v\d+/);
    // The watcher heard of the one write that happened, and of nothing refused.
    await eventually(async () => (await watcherEvents()).some((e) => e.changed.includes('apps.hostile.seen')), { message: 'the legal write' });
    const heard = (await watcherEvents()).filter((e) => e.type === 'updated').flatMap((e) => e.changed);
    for (const field of ['notes', 'state', 'remote.number', 'apps.watcher.flag', 'contact.name', 'apps.hostile.blob', 'contact.links']) {
      assert.ok(!heard.includes(field), `the watcher heard of a refused write to ${field}`);
    }
  });

  it('script in a value is stored as text and shown inert in the panel', async () => {
    const evil = '<img src=x onerror="window.pwned=1">Eve <script>window.pwned=2</script>';
    await sdk((args) => window.pb.calls.patch(args.id, { 'contact.name': args.evil }), { id: target, evil });
    await record().getByRole('heading', { name: evil }).waitFor();
    assert.equal(await record().locator('img').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
  });

  it('a flood is rate-limited for that app only; the others keep working', async () => {
    const flood = await sdk(async () => {
      const results = await Promise.all(Array.from({ length: 400 }, () => window.pb.calls.list({ live: true }).then(() => 'ok', (e) => e.name)));
      return { ok: results.filter((r) => r === 'ok').length, limited: results.filter((r) => r === 'RateLimited').length };
    });
    assert.ok(flood.limited > 0, `some refused: ${JSON.stringify(flood)}`);
    assert.ok(flood.ok >= 50, `the burst allowance went through: ${JSON.stringify(flood)}`);
    const others = await watcher.evaluate(async () => {
      const t = performance.now();
      await window.pb.calls.list({ live: true });
      return performance.now() - t;
    });
    assert.ok(others < 1000, `the watcher was answered in ${others} ms`);
    // After a pause, the flooding app is served again.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await sdk(() => window.pb.calls.list({ live: true }).then(() => 'ok', (e) => e.name)), 'ok');
  });

  it('an app that never connects, or never reads its events, holds nothing up', async () => {
    const silent = await appFrame(page, rig.apps[2].url);
    assert.equal(await silent.evaluate(() => window.pb), undefined);
    // The hostile app subscribes on a raw port and never reads; the watcher still hears every change.
    await raw({ type: 'APPLY', path: ['calls', 'subscribe'], argumentList: [] });
    await page.locator('pb-call-record').getByLabel('Notes').fill('Still responsive');
    await eventually(async () => (await watcherEvents()).some((e) => e.changed.includes('notes')), { message: 'the watcher told of the notes' });
  });

  it('the page frames only registered origins, in a sandbox', async () => {
    const sandbox = await page.locator('pb-apps iframe').first().getAttribute('sandbox');
    assert.ok(sandbox.includes('allow-scripts') && !sandbox.includes('allow-top-navigation'), sandbox);
    await page.evaluate(() => {
      const f = document.createElement('iframe');
      f.src = 'http://localhost:9/elsewhere.html';
      document.body.append(f);
    });
    await eventually(() => page.evaluate(() => window.violations.some((v) => v.directive === 'frame-src')), { message: 'a frame-src violation' });
  });

  it('a user adds an app in the settings; after a reload it loads and connects, and it can be removed', async () => {
    const { context: ctx, pages: [tab] } = await openProfile(rig.browser, rig.site);
    await signIn(tab, rig.pbx, '1008', { remember: true });
    await waitStatus(tab, 'Registered');
    await tab.getByText('Apps', { exact: true }).click();
    const url = `${rig.appsSite.url}fixtures/probe.html?app=notebook`;
    await tab.getByLabel('App name').fill('Notebook');
    await tab.getByLabel('App address').fill(url);
    await tab.getByLabel('Write notes').check();
    await button(tab, 'Add app').click();
    await tab.getByRole('list', { name: 'Apps in the panel' }).getByText('Notebook').waitFor();
    // A bad address is refused with a reason, and nothing is added.
    await tab.getByLabel('App name').fill('Same origin');
    await tab.getByLabel('App address').fill(new URL('elsewhere/', rig.site.url).href);
    await button(tab, 'Add app').click();
    await tab.getByRole('alert').filter({ hasText: "panel's own origin" }).waitFor();
    await tab.reload();
    await waitStatus(tab, 'Registered');
    const frame = await appFrame(tab, url);
    await appConnected(frame, 'notebook');
    assert.deepEqual((await frame.evaluate(() => window.ready)).grants, ['read', 'write:notes']);
    await tab.getByText('Apps', { exact: true }).click();
    await button(tab, 'Remove Notebook').click();
    await tab.getByRole('tab', { name: 'Notebook' }).waitFor({ state: 'detached' });
    await ctx.close();
  });

  it('an app connecting over and over keeps only its newest ports', async () => {
    const answers = await hostile.evaluate(async () => {
      const ports = [];
      for (let i = 0; i < 6; i++) ports.push(await window.rawHandshake());
      const hello = (port) => window.rawCall(port, { type: 'APPLY', path: ['hello'], argumentList: [] }, 1000).then((r) => (r === 'no answer' ? r : 'answered'));
      return Promise.all(ports.map(hello));
    });
    assert.deepEqual(answers, ['no answer', 'no answer', 'no answer', 'answered', 'answered', 'answered']);
    assert.equal((await watcher.evaluate(() => window.pb.calls.list({ live: true }))).length > 0, true, 'others unaffected');
  });
});
