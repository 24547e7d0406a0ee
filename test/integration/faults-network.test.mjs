// Faults on the way to the PBX: the WebSocket silently dead after a network change, and Kamailio
// killed (SIGKILL) while registered and during a call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { button, incoming, openProfile, signIn, status } from '../support/browser.mjs';
import { audioConnected, callCard, connect, phone as openPhone, recentText, usePhones } from '../support/phones.mjs';
import { startTcpProxy } from '../support/tcp-proxy.mjs';
import { newestCallDetail } from '../support/call-detail.mjs';

/** Resolves with the ms it took for `page`'s status to stop (or start) showing `text`. */
async function statusChange(page, text, { gone, timeout }) {
  const started = Date.now();
  const locator = status(page).filter({ hasText: text });
  await locator.waitFor({ state: gone ? 'detached' : 'attached', timeout });
  return Date.now() - started;
}

/** The caller rings `callee`; resolves once the screen pop shows, then hangs up. */
async function ringsAndHangUp(caller, callee) {
  await caller.page.getByRole('combobox', { name: 'Number' }).fill(callee.user);
  await button(caller.page, 'Call').click();
  await incoming(callee.page).waitFor({ timeout: 15000 });
  await button(caller.page, 'Hang up').click();
  await incoming(callee.page).waitFor({ state: 'detached', timeout: 15000 });
}

describe('faults on the way to the PBX', () => {
  const { rig, phone } = usePhones();
  let proxy;
  before(async () => {
    proxy = await startTcpProxy(rig.pbx.wsPort);
  });
  const extra = [];
  after(async () => {
    for (const p of extra) await p.close().catch(() => undefined);
    await proxy?.close();
  });
  /** A phone signed in at another address of the PBX (through the proxy). */
  async function phoneAt(pbx, user) {
    const p = await openPhone(rig.browser, rig.site, pbx, user);
    extra.push(p);
    return p;
  }

  it('a WebSocket that goes silent (no FIN, no RST) is noticed within 30 s by keep-alives, and the phone registers again once the path is back', async () => {
    const callee = await phoneAt({ ...rig.pbx, wsUrl: proxy.url }, '1001');
    const caller = await phone('1002');

    proxy.blackhole();
    const detectedMs = await statusChange(callee.page, 'Registered', { gone: true, timeout: 30000 });
    console.log(`# silent WebSocket noticed after ${(detectedMs / 1000).toFixed(1)} s`);
    assert.match(await status(callee.page).textContent(), /Connecting|No answer/);

    proxy.restore();
    const backMs = await statusChange(callee.page, 'Registered', { gone: false, timeout: 45000 });
    console.log(`# registered again ${(backMs / 1000).toFixed(1)} s after the path came back`);
    await ringsAndHangUp(caller, callee);
  });

  it('Kamailio killed while registered: the phone says so and registers again by itself once it is back, and a call then rings', async () => {
    const callee = await phone('1003');
    const caller = await phone('1004');
    await rig.pbx.kill();
    const noticedMs = await statusChange(callee.page, 'Registered', { gone: true, timeout: 30000 });
    console.log(`# Kamailio killed: noticed after ${(noticedMs / 1000).toFixed(1)} s`);
    await rig.pbx.start();
    const backMs = await statusChange(callee.page, 'Registered', { gone: false, timeout: 45000 });
    console.log(`# Kamailio back: registered again after ${(backMs / 1000).toFixed(1)} s`);
    await statusChange(caller.page, 'Registered', { gone: false, timeout: 45000 });
    await ringsAndHangUp(caller, callee);
  });

  it('Kamailio killed in the middle of a sign-in (its REGISTER in flight): the phone keeps trying and registers by itself once Kamailio is back', async () => {
    const { context, pages: [page] } = await openProfile(rig.browser, rig.site);
    try {
      rig.pbx.resetCounts();
      const seen = rig.pbx.waitForLog(/PBX-REGISTER user=1009/, 15000);
      await signIn(page, rig.pbx, '1009');
      await seen;
      await rig.pbx.kill();
      await status(page).filter({ hasText: 'Connecting' }).waitFor({ timeout: 30000 });
      await rig.pbx.start();
      // Within the backoff, not after the lost REGISTER's 32-second transaction timeout.
      const backMs = await statusChange(page, 'Registered', { gone: false, timeout: 20000 });
      console.log(`# killed mid-sign-in: registered ${(backMs / 1000).toFixed(1)} s after Kamailio was back`);
    } finally {
      await context.close();
    }
  });

  it('Kamailio killed during a call: both cards say the connection was lost, and the call ends as interrupted, saying why', async () => {
    const a = await phone('1005');
    const b = await phone('1006');
    await connect(a, b);
    await rig.pbx.kill();
    for (const [p, who] of [[a, '1006'], [b, '1005']]) {
      await callCard(p.page, who).getByRole('alert').filter({ hasText: 'connection to the server lost' }).waitFor({ timeout: 30000 });
    }
    await rig.pbx.start();
    const back = Date.now();
    for (const [p, who] of [[a, '1006'], [b, '1005']]) {
      await callCard(p.page, who).waitFor({ state: 'detached', timeout: 60000 });
      console.log(`# ${p.user}: call ended ${((Date.now() - back) / 1000).toFixed(1)} s after Kamailio was back`);
      const line = await recentText(p.page);
      assert.match(line, /interrupted/);
      const detail = await newestCallDetail(p.page);
      const text = (await detail.textContent()).replace(/\s+/g, ' ');
      assert.match(text, /The connection to the server was lost/, `${p.user}'s call detail: ${text}`);
      assert.match(text, /Connection to the server lost/, 'the timeline says when');
      console.log(`# ${p.user}: ${/The connection to the server was lost[^.]*?(?=[A-Z][a-z]+ ?\d|$)/.exec(text)?.[0] ?? ''}`);
    }
  });

  it('a WebSocket that goes silent during a call: the card says so, and once the path is back the call goes on over a new connection', async () => {
    const a = await phoneAt({ ...rig.pbx, wsUrl: proxy.url }, '1007');
    const b = await phone('1008');
    await connect(a, b);
    proxy.blackhole();
    const lost = callCard(a.page, '1008').getByRole('alert').filter({ hasText: 'connection to the server lost' });
    const started = Date.now();
    await lost.waitFor({ timeout: 30000 });
    console.log(`# silent WebSocket noticed during the call after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    proxy.restore();
    await lost.waitFor({ state: 'detached', timeout: 20000 });
    await audioConnected(a.page, '1008');
    await audioConnected(b.page, '1007');
    // The re-INVITE told the PBX where 1007 is now: 1008's hang-up reaches it.
    await button(callCard(b.page, '1007'), 'Hang up').click();
    await callCard(a.page, '1008').waitFor({ state: 'detached', timeout: 15000 });
    assert.match(await recentText(a.page), /Outgoing, answered/);
    const detail = await newestCallDetail(a.page);
    const text = (await detail.textContent()).replace(/\s+/g, ' ');
    assert.match(text, /The other party hung up/);
    assert.match(text, /Connection to the server lost.*Connection to the server back/, 'the timeline says when');
  });
});
