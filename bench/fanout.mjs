// Benchmark 3: hub fan-out. The real hub (the built hub.js, with bench/fanout/hub-probe.js
// prepended in the benchmark's own copy) signed in to Kamailio, held open by a control page; then
// subscribers (bench/fanout/: hello + subscribe, no rendering) in one browser context, in three
// layouts: 1 tab with 1 subscription (the baseline), 20 tabs with 1 each (what 20 app tabs are), and
// 1 tab with 20 (the hub's own cost, without 20 processes to wake up). Incoming calls come from the
// SIP caller in Node. Per call:
//   frame   the INVITE's WebSocket frame reaches the hub (hub clock)
//   put     the hub starts the IndexedDB write of the new call record (hub clock)
//   commit  that write has committed: the hub announces the call right after (hub clock)
//   cb_k    subscription k's callback receives the 'created' change (page clock)
// The fan-out proper is commit → cb_k; frame → cb_k is what a subscriber sees. Page times are moved
// into the hub's clock with an offset measured by ping (fanout.calibrate(), through the hub probe).
import { startPbx } from '../test/support/pbx.mjs';
import { installProbe } from './lib/probe.mjs';
import { relayTime } from './lib/pbx-calls.mjs';
import { ms, percentile, ratio, table } from './lib/report.mjs';
import { startCaller } from './lib/sip-caller.mjs';
import { instrumentedSite } from './lib/sites.mjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const USER = '1001';

export async function runFanout({ browser, subscribers = 20, calls = 20, warmup = 2 }) {
  const layouts = [
    { label: '1 tab × 1 subscription', tabs: 1, subs: 1 },
    { label: `${subscribers} tabs × 1 subscription`, tabs: subscribers, subs: 1 },
    { label: `1 tab × ${subscribers} subscriptions`, tabs: 1, subs: subscribers },
  ];
  const site = await instrumentedSite();
  const pbx = await startPbx({ rtpengine: false });
  const caller = await startCaller(pbx);
  const context = await browser.newContext();
  const results = [];
  try {
    const probe = await installProbe(context);
    const open = async (subs) => {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
      await page.goto(`${site.fanoutUrl}?subs=${subs}`);
      await page.evaluate(() => window.fanout.ready);
      return page;
    };
    const control = await open(0);
    await control.evaluate(() => window.fanout.listenFrames());
    await control.evaluate((o) => window.fanout.signIn(o), {
      server: pbx.wsUrl, aor: `sip:${USER}@${pbx.domain}`, password: `pw-${USER}`,
    });
    for (const layout of layouts) {
      const pages = [];
      for (let i = 0; i < layout.tabs; i++) pages.push(await open(layout.subs));
      const count = layout.tabs * layout.subs;
      await sleep(500);
      // Each page's clock against the hub's: callbacks are then read in the hub's clock.
      const offsets = new Map();
      for (const page of pages) offsets.set(page, await page.evaluate(() => window.fanout.calibrate()));
      const r = { ...layout, count, offsets: [], all: [], last: [], spread: [], fanout: [], fanoutLast: [], kamailioToFrame: [], frameToPut: [], putToCommit: [], durability: new Set(), skew: 0, missing: 0 };
      for (let i = 0; i < warmup + calls; i++) {
        probe.clear();
        const call = await caller.call(USER, { displayName: `Fanout ${i}` });
        const mine = (x) => x.cid === call.callId;
        const sentAt = await relayTime(pbx, call.callId);
        const created = await probe.wait('created', count, 3000, mine);
        const [frame] = await probe.wait('frame', 1, 3000, mine);
        const [stored] = await probe.wait('stored', 1, 3000, mine);
        await call.cancel();
        await sleep(200);
        if (i < warmup) continue;
        if (!frame || !stored) throw new Error('the hub probe reported nothing: is hub-probe.js prepended to hub.js?');
        r.missing += count - created.length;
        const t = created.map((c) => c.t + offsets.get(c.page).offset);
        r.all.push(...t.map((x) => x - frame.t));
        r.last.push(Math.max(...t) - frame.t);
        r.spread.push(Math.max(...t) - Math.min(...t));
        r.fanout.push(...t.map((x) => x - stored.commit));
        r.fanoutLast.push(Math.max(...t) - stored.commit);
        r.kamailioToFrame.push(frame.t - sentAt);
        r.frameToPut.push(stored.put - frame.t);
        r.putToCommit.push(stored.commit - stored.put);
        r.durability.add(stored.durability);
        r.skew = Math.max(r.skew, ...[frame, stored, ...created].map((x) => Math.abs(x.skew)));
        r.offsets = [...offsets.values()];
      }
      results.push(r);
      for (const page of pages) await page.close();
      await sleep(500); // the hub notices the closed tabs (Web Locks) and drops their subscriptions
    }
  } finally {
    await context.close();
    await caller.close();
    await pbx.stop();
    await site.close();
  }

  const p = (v, q) => ms(percentile(v, q), 1);
  const rows = results.map((r) => [
    r.label,
    r.all.length,
    p(r.kamailioToFrame, 50),
    p(r.frameToPut, 50),
    p(r.putToCommit, 50),
    `${p(r.fanout, 50)} / ${p(r.fanout, 95)} / ${p(r.fanoutLast, 95)}`,
    `${p(r.all, 50)} / ${p(r.all, 95)} / ${p(r.last, 95)}`,
    p(r.spread, 95),
  ]);
  const [one, tabs, inOne] = results;
  table(
    'Hub fan-out: INVITE frame in the hub → subscriber callbacks (ms)',
    ['subscribers', 'samples', 'Kamailio→frame p50', 'frame→put p50', 'put→commit p50', 'commit→callback p50 / p95 / p95 last', 'frame→callback p50 / p95 / p95 last', 'spread p95'],
    rows,
    [
      `${calls} calls per layout after ${warmup} warm-up calls; samples = calls × subscriptions. "last" = per call, the slowest`,
      'subscription (when every subscriber has the call); "spread" = per call, last callback − first callback.',
      `frame→last callback p95, ${tabs.label} vs ${one.label}: ${ratio(percentile(tabs.last, 95), percentile(one.last, 95))};`,
      `commit→last callback p95: ${ratio(percentile(tabs.fanoutLast, 95), percentile(one.fanoutLast, 95))} (${inOne.label}: ${ratio(percentile(inOne.fanoutLast, 95), percentile(one.fanoutLast, 95))}).`,
      `IndexedDB durability of the write: ${[...tabs.durability].join(', ')}. Page clocks are read in the hub's clock: offsets`,
      `${ms(Math.min(...results.flatMap((r) => r.offsets.map((o) => o.offset))), 2)} to ${ms(Math.max(...results.flatMap((r) => r.offsets.map((o) => o.offset))), 2)} ms, each good to ± ${ms(Math.max(...results.flatMap((r) => r.offsets.map((o) => o.rtt))) / 2, 2)} ms (half the best ping round trip).`,
      ...(results.some((r) => r.missing) ? [`Callbacks missing after 3 s: ${results.map((r) => `${r.label}: ${r.missing}`).join(', ')}.`] : []),
    ],
  );
  return results.map((r) => ({ ...r, durability: [...r.durability] }));
}
