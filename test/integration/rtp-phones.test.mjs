// A plain SIP phone on UDP (SIPp, RTP/AVP, no ICE, no DTLS) behind Kamailio + rtpengine, called from the
// browser and calling it. The phone echoes the RTP it gets, so the browser hears its own microphone
// (Chromium's fake device: a beep) only if media crosses rtpengine both ways: browser → SRTP → rtpengine
// → RTP → phone → RTP → rtpengine → SRTP → browser.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { button, dial, eventually, incoming, openTab, signIn, waitStatus } from '../support/browser.mjs';
import { sippCall } from '../support/pbx.mjs';
import { audioConnected, callCard } from '../support/phones.mjs';
import { useRig } from '../support/rig.mjs';
import { registerSippPhone } from '../support/sipp-uas.mjs';

const CALLS = 5;
const HOLD_SCENARIO = fileURLToPath(new URL('../support/sipp-uac-hold.xml', import.meta.url));

/** Keeps every RTCPeerConnection the page makes, so the test can read its `getStats()`. */
function recordPeerConnections() {
  const Native = window.RTCPeerConnection;
  const made = [];
  Object.defineProperty(window, 'peerConnectionsForTest', { value: made });
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      made.push(this);
    }
  };
}

/** The newest call's audio as the browser counts it, and its transport's ICE and DTLS states. */
function media(page) {
  return page.evaluate(async () => {
    const pc = window.peerConnectionsForTest.at(-1);
    const out = { sent: 0, received: 0, energy: 0, ice: '', dtls: '', role: '' };
    for (const r of (await pc.getStats()).values()) {
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.sent = r.packetsSent;
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.received = r.packetsReceived;
        out.energy = r.totalAudioEnergy ?? 0;
      }
      if (r.type === 'transport') Object.assign(out, { ice: r.iceState, dtls: r.dtlsState, role: r.dtlsRole });
    }
    return out;
  });
}

/** Audio flows both ways: packets sent and received keep growing, and what comes back is not silence. */
async function audioBothWays(page) {
  const first = await media(page);
  assert.equal(first.dtls, 'connected', `DTLS after "Audio connected": ${JSON.stringify(first)}`);
  return eventually(
    async () => {
      const now = await media(page);
      return now.sent > first.sent && now.received > first.received && now.energy > first.energy && now;
    },
    { timeout: 15000, message: `audio both ways (at "Audio connected": ${JSON.stringify(first)})` },
  );
}

/** rtpengine's closing stats for the call just deleted: packets it got on each leg. */
async function rtpengineLegs(pbx) {
  await pbx.waitForLog(/Final packet stats/, 10000);
  // the stats block is logged line by line right after its heading
  await new Promise((r) => setTimeout(r, 300));
  const logs = pbx.logs();
  const block = logs.slice(logs.lastIndexOf('Final packet stats'));
  const legs = [...block.matchAll(/Media #1 \(audio over (RTP\/\w+)\)[\s\S]*?Port\s+\S+\s+<>\s+\S+\s*, SSRC \w+, (\d+) p/g)];
  return Object.fromEntries(legs.map((m) => [m[1], Number(m[2])]));
}

describe('phones on plain RTP behind Kamailio + rtpengine', () => {
  const rig = useRig({ pbx: { rtpengine: true } });
  let page;
  let phone;
  before(async () => {
    phone = await registerSippPhone(rig.pbx, { user: '1009', ringMs: 1000 });
    const context = await rig.browser.newContext({ permissions: ['microphone'] });
    await context.addInitScript(recordPeerConnections);
    page = await openTab(context, rig.site);
    await signIn(page, rig.pbx, '1004');
    await waitStatus(page, 'Registered');
  });

  it(`browser → UDP phone, ${CALLS} calls in a row: each connects and carries audio both ways`, async () => {
    const results = [];
    for (let i = 0; i < CALLS; i++) {
      rig.pbx.resetCounts();
      const answered = phone.answer({ calls: 1, timeoutMs: 45000 });
      await dial(page, phone.user);
      await audioConnected(page, phone.user, 20000);
      const heard = await audioBothWays(page);
      await button(callCard(page, phone.user), 'Hang up').click();
      const sipp = await answered;
      assert.equal(sipp.code, 0, `call ${i + 1}: SIPp: ${sipp.stderr || sipp.stdout.slice(-2000)}`);
      const legs = await rtpengineLegs(rig.pbx);
      assert.ok(legs['RTP/SAVPF'] > 0 && legs['RTP/AVP'] > 0, `call ${i + 1}: packets rtpengine got per leg: ${JSON.stringify(legs)}`);
      await callCard(page, phone.user).waitFor({ state: 'detached', timeout: 10000 });
      results.push({ role: heard.role, sent: heard.sent, received: heard.received, echoed: legs['RTP/AVP'] });
    }
    // rtpengine takes the DTLS client role toward the browser, so the browser is the server every time
    assert.deepEqual(new Set(results.map((r) => r.role)), new Set(['server']), JSON.stringify(results));
  });

  it('UDP phone → browser: connects, carries audio both ways, and still does after hold and resume', async () => {
    rig.pbx.resetCounts();
    // The calling phone echoes too (no tone of its own): the browser hears itself. Hold and resume are
    // re-INVITEs from the browser answered through rtpengine, which must keep the DTLS role it took.
    const call = sippCall(rig.pbx, {
      to: '1004',
      from: '1010',
      durationMs: 6000,
      scenario: HOLD_SCENARIO,
      extraArgs: ['-rtp_echo'],
    });
    await incoming(page).waitFor({ timeout: 15000 });
    await button(incoming(page), 'Answer').click();
    await audioConnected(page, 'SIPp 1010', 20000);
    await audioBothWays(page);
    const card = callCard(page, 'SIPp 1010');
    await button(card, 'Hold').click();
    await card.getByText('On hold').waitFor({ timeout: 15000 });
    await button(card, 'Resume').click();
    await card.getByText('In call').waitFor({ timeout: 15000 });
    await audioConnected(page, 'SIPp 1010', 20000);
    await audioBothWays(page);
    const result = await call;
    assert.equal(result.code, 0, `SIPp failed: ${result.errors || result.stderr}`);
    const legs = await rtpengineLegs(rig.pbx);
    assert.ok(legs['RTP/SAVPF'] > 0 && legs['RTP/AVP'] > 0, `packets rtpengine got per leg: ${JSON.stringify(legs)}`);
  });
});
