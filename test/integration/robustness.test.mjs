import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { button, incoming, openProfile, signIn, status, waitStatus } from '../support/browser.mjs';
import { useRig } from '../support/rig.mjs';
import { HOSTILE_DISPLAY_NAME, startGarbageWs } from '../support/garbage-ws.mjs';
import { sippCall } from '../support/pbx.mjs';
import { audioConnected, callCard, recentText } from '../support/phones.mjs';

describe('hostile input and plain SIP phones', () => {
  const rig = useRig({ pbx: { rtpengine: true } });
  let pbx, site, browser, garbage;
  before(async () => {
    ({ pbx, site, browser } = rig);
    garbage = await startGarbageWs();
  });
  after(() => garbage?.close());

  it('garbage over the WebSocket never kills the hub, and a caller name full of HTML renders as text', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.getByLabel('Server').fill(garbage.url);
    await page.getByLabel('SIP address').fill('sip:1001@127.0.0.1');
    await page.getByLabel('Password').fill('pw-1001');
    await button(page, 'Sign in').click();
    await waitStatus(page, 'Registered');
    // The garbage stream ends with a valid INVITE whose display name is HTML.
    await incoming(page).waitFor({ timeout: 15000 });
    assert.ok((await incoming(page).textContent()).includes(HOSTILE_DISPLAY_NAME), 'the name is shown literally');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(dialogs, [], 'no script ran');
    assert.ok(garbage.received() > 0);
    // The hub still works: it declines, signs out and signs in to a real PBX.
    await button(incoming(page), 'Decline').click();
    await button(page, 'Sign out').click();
    await waitStatus(page, 'Signed out');
    await signIn(page, pbx, '1006');
    await waitStatus(page, 'Registered');
    assert.match(await status(page).textContent(), /1006/);
    await context.close();
  });

  it('a SIPp caller on UDP reaches the browser through Kamailio and rtpengine with media', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1007');
    await waitStatus(page, 'Registered');
    const call = sippCall(pbx, { to: '1007', from: '1010', durationMs: 6000 });
    await incoming(page).waitFor({ timeout: 15000 });
    await button(incoming(page), 'Answer').click();
    await audioConnected(page, 'SIPp 1010', 15000);
    const result = await call;
    assert.equal(result.code, 0, `SIPp failed: ${result.errors || result.stderr}`);
    await page.getByRole('list', { name: 'Recent calls' }).getByRole('listitem').first().waitFor({ timeout: 10000 });
    assert.match(await recentText(page), /Incoming, answered/);
    // rtpengine's closing stats: packets flowed on the browser's SRTP leg and on SIPp's RTP leg.
    await pbx.waitForLog(/Final packet stats/, 10000);
    await new Promise((r) => setTimeout(r, 300));
    const stats = pbx.logs().slice(pbx.logs().lastIndexOf('Final packet stats'));
    const legs = [...stats.matchAll(/Media #1 \(audio over (RTP\/\w+)\)[\s\S]*?Port\s+\S+\s+<>\s+\S+\s*, SSRC \w+, (\d+) p/g)]
      .map((m) => ({ profile: m[1], packets: Number(m[2]) }));
    const savpf = legs.find((l) => l.profile === 'RTP/SAVPF');
    const avp = legs.find((l) => l.profile === 'RTP/AVP');
    assert.ok(savpf && savpf.packets > 0, `packets from the browser: ${JSON.stringify(legs)}`);
    assert.ok(avp && avp.packets > 0, `packets from SIPp: ${JSON.stringify(legs)}`);
    await context.close();
  });

  it('keypad tones reach a phone without RFC 4733 as SIP INFO', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1008');
    await waitStatus(page, 'Registered');
    pbx.resetCounts();
    const call = sippCall(pbx, { to: '1008', from: '1010', durationMs: 15000, dtmfInfo: true });
    await incoming(page).waitFor({ timeout: 15000 });
    await button(incoming(page), 'Answer').click();
    await audioConnected(page, 'SIPp 1010', 15000);
    const card = callCard(page, 'SIPp 1010');
    await button(card, 'Keypad').click();
    await button(card, '5').click();
    await pbx.waitForLog(/PBX-MSG 200 INFO/, 10000);
    const result = await call;
    assert.equal(result.code, 0, `SIPp failed: ${result.errors || result.stderr}`);
    assert.equal(pbx.counts().messagesByKind['INFO'], 1, 'one INFO for one key');
    await context.close();
  });
});

