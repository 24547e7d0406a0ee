// Benchmarks 1 and 2: N tabs of one browser profile against Kamailio, Patchbay (one hub for every
// tab) against the baseline (one sip.js UserAgent per tab).
//
// For each variant and N: a fresh Kamailio; N tabs opened in one browser context and signed in;
// then incoming calls from a SIP caller in Node (UDP, loopback), each rung in every tab and
// cancelled by the caller once every tab showed it (or after a timeout).
//   load:       WebSockets opened and REGISTERs received while the N tabs start; SIP messages
//               Kamailio receives from the callee side per incoming call (PBX-MSG lines of the
//               call that do not come from the caller).
//   screen pop: the INVITE leaving Kamailio (PBX-RELAY, wall clock) -> the incoming-call dialog in
//               each tab's DOM (MutationObserver through the shadow roots, wall clock).
import { startPbx } from '../test/support/pbx.mjs';
import { openTab, signIn, waitStatus } from '../test/support/browser.mjs';
import { baselineRegistered } from './lib/sites.mjs';
import { installProbe } from './lib/probe.mjs';
import { calleeMessages, relayTime } from './lib/pbx-calls.mjs';
import { mean, ms, percentile, ratio, table } from './lib/report.mjs';
import { startCaller } from './lib/sip-caller.mjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const USER = '1001';

async function openTabs(variant, context, { site, baseline, instrumented, pbx, n }) {
  const pages = [];
  if (variant === 'patchbay' || variant === 'instrumented') {
    // The instrumented copy: the first tab relays the hub probe's posts, every tab times the hub's
    // message announcing a call.
    const url = (i) => (variant === 'patchbay' ? site.url : `${instrumented.url}${i === 0 ? '#bench-relay' : '#bench'}`);
    pages.push(await openTab(context, { url: url(0) }));
    await signIn(pages[0], pbx, USER);
    await waitStatus(pages[0], 'Registered', 15000);
    for (let i = 1; i < n; i++) pages.push(await openTab(context, { url: url(i) }));
  } else {
    const query = new URLSearchParams({ server: pbx.wsUrl, aor: `sip:${USER}@${pbx.domain}`, password: `pw-${USER}` });
    for (let i = 0; i < n; i++) {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
      await page.goto(`${baseline.url}?${query}`);
      pages.push(page);
    }
  }
  for (const page of pages) await (variant === 'baseline' ? baselineRegistered(page) : waitStatus(page, 'Registered', 15000));
  return pages;
}

/** One variant at one N: counts and screen-pop samples. */
async function measure(variant, n, { browser, site, baseline, instrumented, calls, warmup }) {
  const pbx = await startPbx({ rtpengine: false });
  const caller = await startCaller(pbx);
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
  try {
    const probe = await installProbe(context);
    const pages = await openTabs(variant, context, { site, baseline, instrumented, pbx, n });
    await sleep(1000); // let every tab finish starting (and any straggling REGISTER arrive)
    const start = pbx.counts();
    const result = {
      variant, n,
      wsOpen: start.wsOpen,
      registers: start.registersByUser[USER] ?? 0,
      messages: [], rang: [], pops: [], last: [], kinds: undefined, missing: 0,
      steps: { kamailioToFrame: [], frameToCommit: [], commitToTab: [], tabToDom: [] },
    };
    let expected = n;
    for (let i = 0; i < warmup + calls; i++) {
      probe.clear();
      const name = `Caller ${String(i).padStart(2, '0')}`;
      const mine = (r) => new RegExp(`(^|\\s)${name}(\\s|$)`).test(r.text);
      const call = await caller.call(USER, { displayName: name });
      const sentAt = await relayTime(pbx, call.callId);
      const pops = await probe.wait('pop', expected, i < warmup ? 5000 : 3000, mine);
      if (i < warmup && pops.length < expected) expected = pops.length; // see "rang" in the report
      const final = await call.cancel();
      if (final !== 487) throw new Error(`${variant} N=${n}: the caller got ${final} instead of 487 Request Terminated`);
      await sleep(300); // the callee's replies to the CANCEL are logged; the tabs settle
      if (i < warmup) continue;
      const msgs = calleeMessages(pbx, call.callId, caller.src);
      result.messages.push(msgs.total);
      result.rang.push(msgs.bySrc.size);
      result.kinds ??= msgs.kinds;
      result.missing += Math.max(0, expected - pops.length);
      const latencies = pops.map((p) => p.t - sentAt);
      if (variant === 'instrumented') {
        const own = (r) => r.cid === call.callId;
        const [frame] = probe.take('frame', own);
        const [stored] = probe.take('stored', own);
        const arrivals = new Map(probe.take('tab-msg', own).map((r) => [r.page, r.t]));
        if (frame && stored) {
          result.steps.kamailioToFrame.push(frame.t - sentAt);
          result.steps.frameToCommit.push(stored.commit - frame.t);
          for (const p of pops) {
            const arrived = arrivals.get(p.page);
            if (arrived === undefined) continue;
            result.steps.commitToTab.push(arrived - stored.commit);
            result.steps.tabToDom.push(p.t - arrived);
          }
        }
      }
      result.pops.push(...latencies);
      result.last.push(pops.length ? Math.max(...latencies) : NaN);
      result.skew = Math.max(result.skew ?? 0, ...pops.map((p) => Math.abs(p.skew)));
    }
    result.shown = expected;
    result.tabs = pages.length;
    return result;
  } finally {
    await context.close();
    await caller.close();
    await pbx.stop();
  }
}

export async function runTabs({ browser, site, baseline, instrumented, ns = [1, 5, 10, 20], calls = 10, warmup = 1, load = true, pop = true, diagnoseAt = [10, 20] }) {
  const results = [];
  const runs = ns.flatMap((n) => [['patchbay', n], ['baseline', n]]);
  if (pop && instrumented) for (const n of diagnoseAt) runs.push(['instrumented', n]);
  for (const [variant, n] of runs) {
    const started = Date.now();
    const r = await measure(variant, n, { browser, site, baseline, instrumented, calls, warmup });
    console.log(`  ${variant} N=${n}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    results.push(r);
  }
  const get = (variant, n) => results.find((r) => r.variant === variant && r.n === n);
  const range = (v) => (Math.min(...v) === Math.max(...v) ? String(v[0]) : `${Math.min(...v)}–${Math.max(...v)}`);
  const notes = [];

  if (load) {
    const rows = ns.map((n) => {
      const p = get('patchbay', n);
      const b = get('baseline', n);
      return [
        n,
        p.wsOpen, b.wsOpen, ratio(b.wsOpen, p.wsOpen),
        p.registers, b.registers, ratio(b.registers, p.registers),
        range(p.messages), range(b.messages), ratio(mean(b.messages), mean(p.messages)),
        `${range(p.rang)} / ${range(b.rang)}`,
      ];
    });
    const pk = get('patchbay', ns[0]).kinds;
    notes.push(
      'WebSockets and REGISTERs: counted at Kamailio while the N tabs start and sign in (a REGISTER is',
      'challenged once, so one registration = 2 REGISTERs). Messages: every SIP message Kamailio receives',
      `from the callee side for one incoming call that the caller cancels (Patchbay, per call: ${Object.entries(pk ?? {}).map(([k, v]) => `${v}× ${k}`).join(', ')}).`,
      '"Connections rung" = distinct callee connections that answered the INVITE (Patchbay / baseline).',
    );
    const capped = ns.filter((n) => get('baseline', n).shown < n);
    if (capped.length) {
      notes.push(
        '',
        `Baseline at N = ${capped.join(', ')}: only ${capped.map((n) => get('baseline', n).shown).join(', ')} tabs rang. Kamailio forks an INVITE to at most`,
        '`max_branches` contacts (default 12); every tab with its own UserAgent is one more contact of the user.',
      );
    }
    table(
      'PBX load: Patchbay (one hub per profile) vs baseline (one UserAgent per tab)',
      ['N tabs', 'WS Patchbay', 'WS baseline', 'ratio', 'REGISTER Patchbay', 'REGISTER baseline', 'ratio', 'msgs/call Patchbay', 'msgs/call baseline', 'ratio', 'connections rung'],
      rows,
      notes,
    );
  }

  if (pop) {
    const rows = ns.map((n) => {
      const p = get('patchbay', n);
      const b = get('baseline', n);
      return [
        n,
        `${calls} × ${p.shown}`,
        ms(percentile(p.pops, 50)), ms(percentile(p.pops, 95)), ms(percentile(p.last, 95)),
        `${calls} × ${b.shown}`,
        ms(percentile(b.pops, 50)), ms(percentile(b.pops, 95)), ms(percentile(b.last, 95)),
        ratio(percentile(p.pops, 95), percentile(b.pops, 95)),
      ];
    });
    const skew = Math.max(...results.map((r) => r.skew ?? 0));
    const missing = results.filter((r) => r.missing);
    table(
      'Screen pop: INVITE leaving Kamailio → incoming-call dialog in the DOM of each tab (ms)',
      ['N tabs', 'Patchbay samples', 'p50', 'p95', 'p95 last tab', 'baseline samples', 'p50', 'p95', 'p95 last tab', 'p95 Patchbay/baseline'],
      rows,
      [
        'Samples: measured calls × tabs that showed the call (after one warm-up call per configuration). "last tab" =',
        'per call, the slowest tab (when every tab has it). Nearest-rank percentiles. Clock: Kamailio $TV(Sn) vs',
        `performance.timeOrigin + performance.now() in the page (both wall clock; page clock vs Date.now() within ${skew.toFixed(1)} ms).`,
        ...ns.filter((n) => get('baseline', n).shown < n).map((n) => `Baseline at N = ${n}: only ${get('baseline', n).shown} tabs rang (see PBX load), so it renders in fewer tabs.`),
        ...(missing.length ? [`Dialogs that never appeared within 3 s: ${missing.map((r) => `${r.variant} N=${r.n}: ${r.missing}`).join(', ')}.`] : []),
      ],
    );
    for (const d of results.filter((r) => r.variant === 'instrumented')) {
      const row = (label, v) => [label, v.length, ms(percentile(v, 50)), ms(percentile(v, 95)), ms(Math.max(...v))];
      table(
        `Where the screen pop goes at N = ${d.n} (instrumented copy of the app, ms)`,
        ['step', 'samples', 'p50', 'p95', 'max'],
        [
          row('Kamailio relays the INVITE → its frame reaches the hub', d.steps.kamailioToFrame),
          row('frame → call record committed to IndexedDB (sip.js parse, 100/180 sent, hub, IDB)', d.steps.frameToCommit),
          row('commit → the hub\'s message reaches the tab', d.steps.commitToTab),
          row('message in the tab → dialog in its DOM (Comlink, HubClient, Lit render)', d.steps.tabToDom),
          row('total: Kamailio → dialog in the DOM', d.pops),
        ],
        [
          'Hub times from bench/fanout/hub-probe.js prepended to a copy of hub.js; tab times from a MessagePort listener',
          'the page probe adds before Comlink\'s. All wall clock (hub and tab clocks agree within ±1 ms, see fan-out).',
        ],
      );
    }
  }
  return results;
}
