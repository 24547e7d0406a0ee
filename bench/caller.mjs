// The caller's side: the user's click on "Call" → the INVITE leaving Kamailio toward the callee
// (Kamailio's own wall-clock stamp, PBX-RELAY), in Patchbay and in the baseline page (its own sip.js
// UserAgent with sip.js's media handler, the cheapest web phone). The callee is a baseline page
// registered as 1001, so Kamailio relays every INVITE; each call is cancelled once it has left.
import { button, signIn, waitStatus } from '../test/support/browser.mjs';
import { startPbx } from '../test/support/pbx.mjs';
import { ms, percentile, ratio, table } from './lib/report.mjs';
import { baselineRegistered } from './lib/sites.mjs';

const CALLEE = '1001';
const sleep = (t) => new Promise((r) => setTimeout(r, t));

async function relayedInvite(pbx) {
  const line = await pbx.waitForLog(/PBX-RELAY INVITE t=(\S+) cid=/, 5000);
  const [sec, usec = '0'] = /t=(\S+)/.exec(line)[1].split('.');
  return Number(sec) * 1000 + Number(usec.padEnd(6, '0')) / 1000;
}

function baselinePage(context, baseline, pbx, user) {
  const query = new URLSearchParams({ server: pbx.wsUrl, aor: `sip:${user}@${pbx.domain}`, password: `pw-${user}` });
  return context.newPage().then(async (page) => {
    page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
    await page.goto(`${baseline.url}?${query}`);
    await baselineRegistered(page);
    return page;
  });
}

export async function runCaller({ browser, site, baseline, calls = 20, warmup = 3 }) {
  const pbx = await startPbx({ rtpengine: false });
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
  const samples = { patchbay: [], baseline: [] };
  try {
    await baselinePage(context, baseline, pbx, CALLEE);

    // Patchbay: a tab signed in as 1002 dials from the dialpad.
    const panel = await context.newPage();
    await panel.goto(site.url);
    await signIn(panel, pbx, '1002');
    await waitStatus(panel, 'Registered', 15000);
    for (let i = 0; i < warmup + calls; i++) {
      await panel.getByRole('combobox', { name: 'Number' }).fill(CALLEE);
      // The click's own time, on the page's epoch clock, before any handler runs.
      await panel.evaluate(() => document.addEventListener('click', () => (window.clickedAt = performance.timeOrigin + performance.now()), { capture: true, once: true }));
      pbx.resetCounts();
      await button(panel, 'Call').click();
      const relayed = await relayedInvite(pbx);
      const clicked = await panel.evaluate(() => window.clickedAt);
      if (i >= warmup) samples.patchbay.push(relayed - clicked);
      await button(panel.getByRole('region', { name: /^Call with/ }), 'Hang up').click();
      await panel.getByRole('region', { name: /^Call with/ }).waitFor({ state: 'detached' });
      await sleep(300);
    }
    await panel.close();

    // The baseline: its own UserAgent as 1003.
    const page = await baselinePage(context, baseline, pbx, '1003');
    for (let i = 0; i < warmup + calls; i++) {
      pbx.resetCounts();
      const clicked = await page.evaluate((to) => window.dial(to), CALLEE);
      const relayed = await relayedInvite(pbx);
      if (i >= warmup) samples.baseline.push(relayed - clicked);
      await sleep(200);
      await page.evaluate(() => window.hangUp());
      await sleep(300);
    }
  } finally {
    await context.close();
    await pbx.stop();
  }
  const row = (name, values) => [name, ms(percentile(values, 50)), ms(percentile(values, 95)), ms(Math.max(...values)), ratio(percentile(values, 50), percentile(samples.baseline, 50))];
  table(
    'Caller: click on "Call" → INVITE leaving Kamailio (ms)',
    ['caller', 'p50', 'p95', 'max', 'p50 vs baseline'],
    [row('baseline (one sip.js UserAgent, sip.js media handler)', samples.baseline), row('Patchbay (hub, media tab)', samples.patchbay)],
    [`${calls} calls each after ${warmup} to warm up; the click on the page's epoch clock, the INVITE on Kamailio's (same machine); each call cancelled once it has left.`],
  );
  return samples;
}
