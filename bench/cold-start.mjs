// Benchmark 5: cold start, against Kamailio, in one fresh browser profile (context).
//   sign-in:  in a fresh profile, click on "Sign in" (with "Remember me" checked) → "Registered";
//   attach:   with a tab registered, a new tab: navigation start → its status "Registered";
//             Kamailio's counts while it attaches show whether it cost a WebSocket or a REGISTER;
//   reload:   every tab closed (the hub stops: Kamailio sees its WebSocket close), then a new tab:
//             navigation start → "Registered", through the remembered, encrypted sign-in;
//   baseline: the baseline page (its own sip.js UserAgent): navigation start → "Registered";
//   timeline: the reload again on an instrumented copy of the app, to show where the time goes.
// Times come from the page probe: the status (role=status) first reading "Registered", in
// performance.timeOrigin + performance.now(); navigation start is performance.timeOrigin.
import { startPbx } from '../test/support/pbx.mjs';
import { openTab, signIn } from '../test/support/browser.mjs';
import { installProbe } from './lib/probe.mjs';
import { median, ms, table } from './lib/report.mjs';
import { instrumentedSite } from './lib/sites.mjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const USER = '1001';
const BASELINE_USER = '1002';

export async function runColdStart({ browser, site, baseline, repeat = 5 }) {
  const pbx = await startPbx({ rtpengine: false });
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
  const rows = [];
  const out = {};
  let timeline;
  try {
    const probe = await installProbe(context);
    const registered = async (page, ms = 15000) => {
      const [r] = await probe.wait('registered', 1, ms, (x) => x.page === page);
      if (!r) throw new Error(`the tab never showed "Registered" within ${ms} ms`);
      probe.take('registered', (x) => x.page === page);
      return r;
    };
    // When Kamailio logs the next WebSocket handshake (read as it arrives: within a ms or so).
    const wsOpened = () => pbx.waitForLog(/PBX-WS-OPEN/, 15000).then(() => Date.now(), () => NaN);
    const open = async (url) => {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
      await page.goto(url);
      return page;
    };

    // Sign-in in a fresh profile: `repeat` times, each in a new browser context (the last one is
    // kept for what follows).
    const signIns = [];
    const signInWs = [];
    let signInWsCount = 0;
    let signInRegisters = 0;
    let first;
    for (let i = 0; i < repeat; i++) {
      const ctx = i === repeat - 1 ? context : await browser.newContext({ permissions: ['microphone'] });
      const p = i === repeat - 1 ? probe : await installProbe(ctx);
      await sleep(300);
      pbx.resetCounts();
      const page = await openTab(ctx, site);
      const ws = wsOpened();
      await signIn(page, pbx, USER, { remember: true });
      const [r] = await p.wait('registered', 1, 15000, (x) => x.page === page);
      if (!r) throw new Error('sign-in never showed "Registered"');
      p.take('registered', (x) => x.page === page);
      signIns.push(r.t - r.clickAt);
      signInWs.push((await ws) - r.clickAt);
      await sleep(300);
      const c = pbx.counts();
      signInWsCount += c.wsOpen;
      signInRegisters += c.registersByUser[USER] ?? 0;
      if (ctx === context) first = page;
      else await ctx.close();
    }
    out.signIn = signIns;
    rows.push(['sign-in (fresh profile): click "Sign in" → Registered', repeat, ms(median(signIns)), ms(Math.min(...signIns)), ms(Math.max(...signIns)), ms(median(signInWs), 0), `${signInWsCount} (all ${repeat})`, `${signInRegisters} (all ${repeat})`]);

    // Other tabs attaching to the running hub.
    const attach = [];
    let attachWs = 0;
    let attachRegisters = 0;
    for (let i = 0; i < repeat; i++) {
      await sleep(300);
      pbx.resetCounts();
      const page = await open(site.url);
      attach.push((await registered(page)).sinceNavigation);
      await sleep(500); // anything the attach caused has reached Kamailio by now
      const c = pbx.counts();
      attachWs += c.wsOpen;
      attachRegisters += c.registers;
      await page.close();
    }
    out.attach = attach;
    rows.push(['another tab attaching: navigation → Registered', repeat, ms(median(attach)), ms(Math.min(...attach)), ms(Math.max(...attach)), '—', `${attachWs} (all ${repeat})`, `${attachRegisters} (all ${repeat})`]);

    // Reload after every tab closed: a new hub signs in with the remembered credentials.
    const reload = [];
    const reloadWsAt = [];
    let reloadWs = 0;
    let reloadRegisters = 0;
    let tab = first;
    for (let i = 0; i < repeat; i++) {
      pbx.resetCounts();
      await tab.close();
      await pbx.waitForLog(/PBX-WS-CLOSED/, 10000); // the hub is gone with the last tab
      await sleep(300);
      pbx.resetCounts();
      const ws = wsOpened();
      tab = await open(site.url);
      const r = await registered(tab);
      reload.push(r.sinceNavigation);
      reloadWsAt.push((await ws) - (r.t - r.sinceNavigation));
      await sleep(300);
      const c = pbx.counts();
      reloadWs += c.wsOpen;
      reloadRegisters += c.registersByUser[USER] ?? 0;
    }
    out.reload = reload;
    out.reloadWsAt = reloadWsAt;
    rows.push(['cold start (last tab closed, new tab), remembered sign-in: navigation → Registered', repeat, ms(median(reload)), ms(Math.min(...reload)), ms(Math.max(...reload)), ms(median(reloadWsAt), 0), `${reloadWs} (all ${repeat})`, `${reloadRegisters} (all ${repeat})`]);
    await tab.close();

    // The baseline page, for reference: its own UserAgent registers on every load.
    const query = new URLSearchParams({ server: pbx.wsUrl, aor: `sip:${BASELINE_USER}@${pbx.domain}`, password: `pw-${BASELINE_USER}` });
    const base = [];
    const baseWsAt = [];
    let baseWs = 0;
    let baseRegisters = 0;
    for (let i = 0; i < repeat; i++) {
      await sleep(300);
      pbx.resetCounts();
      const ws = wsOpened();
      const page = await open(`${baseline.url}?${query}`);
      const r = await registered(page);
      base.push(r.sinceNavigation);
      baseWsAt.push((await ws) - (r.t - r.sinceNavigation));
      await sleep(300);
      const c = pbx.counts();
      baseWs += c.wsOpen;
      baseRegisters += c.registersByUser[BASELINE_USER] ?? 0;
      await page.close();
    }
    out.baseline = base;
    out.baselineWsAt = baseWsAt;
    rows.push(['baseline page (own UserAgent): navigation → Registered', repeat, ms(median(base)), ms(Math.min(...base)), ms(Math.max(...base)), ms(median(baseWsAt), 0), `${baseWs} (all ${repeat})`, `${baseRegisters} (all ${repeat})`]);
    // Where the time of a cold start goes: the same reload, on an instrumented copy of the app.
    const inst = await instrumentedSite();
    const ctx = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
    try {
      const probe2 = await installProbe(ctx);
      let page = await openTab(ctx, { url: inst.appUrl });
      await signIn(page, pbx, USER, { remember: true });
      await probe2.wait('registered', 1, 15000);
      const marks = { dcl: [], worker: [], evaluating: [], wsNew: [], wsOpen: [], registered: [] };
      for (let i = 0; i < repeat; i++) {
        pbx.resetCounts();
        await page.close();
        await pbx.waitForLog(/PBX-WS-CLOSED/, 10000);
        await sleep(300);
        probe2.clear();
        page = await ctx.newPage();
        await page.goto(inst.appUrl);
        const [r] = await probe2.wait('registered', 1, 15000);
        await sleep(300);
        if (!r) throw new Error('the instrumented app never showed "Registered"');
        const nav = r.t - r.sinceNavigation;
        const one = (kind) => probe2.take(kind)[0];
        const boot = one('hub-boot');
        marks.dcl.push(one('dcl')?.t - nav);
        marks.worker.push(boot?.origin - nav);
        marks.evaluating.push(boot?.t - nav);
        marks.wsNew.push(one('ws-new')?.t - nav);
        marks.wsOpen.push(one('ws-open')?.t - nav);
        marks.registered.push(r.sinceNavigation);
      }
      await page.close();
      out.timeline = marks;
      const step = (label, key, prev) => [label, ms(median(marks[key])), prev ? ms(median(marks[key]) - median(marks[prev])) : ms(median(marks[key]))];
      timeline = [
        step('the panel\'s DOMContentLoaded (its module script has run)', 'dcl'),
        step('the hub worker is created (its performance.timeOrigin)', 'worker', 'dcl'),
        step('hub.js starts evaluating (fetched, compiled)', 'evaluating', 'worker'),
        step('the hub constructs its WebSocket (IndexedDB opened, the remembered server read)', 'wsNew', 'evaluating'),
        step('the WebSocket is open (meanwhile the store opens and the sign-in is decrypted)', 'wsOpen', 'wsNew'),
        step('the tab\'s status reads "Registered" (sign-in decrypted, REGISTER, 401, REGISTER, 200, status to the tab)', 'registered', 'wsOpen'),
      ];
    } finally {
      await ctx.close();
      await inst.close();
    }
  } finally {
    await context.close();
    await pbx.stop();
  }
  table('Cold start (ms)', ['scenario', 'runs', 'median', 'min', 'max', 'WebSocket up at (median)', 'WebSockets opened', 'REGISTERs'], rows, [
    '"WebSocket up at": when Kamailio logged the handshake, read by the benchmark as the line arrives (±1 ms), from the same start.',
    'Kamailio counts are summed over the runs; a registration is 2 REGISTERs (challenge, then with credentials).',
    'Navigation start = performance.timeOrigin of the new tab; "Registered" = its status (role=status) first reading so.',
  ]);
  if (timeline) {
    table(`Where a cold start goes (reload with remembered sign-in, instrumented copy, median of ${repeat})`, ['step', 'ms after navigation', 'ms for this step'], timeline, [
      'Hub marks come from bench/fanout/hub-probe.js prepended to a copy of hub.js (hub clock); both clocks are wall clock.',
    ]);
  }
  return out;
}
