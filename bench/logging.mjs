// Benchmark: call logging drains a backlog. `calls` final calls (1,000), each waiting to be delivered to
// Gmail and to one webhook, are written into the site's IndexedDB before the panel opens, by a page on
// the site's origin that does not start the hub (bench/logging/: the hub's own CallStore, so records,
// search entries and `deliveries` rows are what wrap-up.ts leaves). Then the panel opens with a
// config.json naming a Gmail client and the webhook, signs in to Kamailio, and connects Gmail through
// the local Google's consent popup (test/support/google.mjs, at Google's host names over HTTPS), as a
// user would. The real outbox delivers everything. Measured:
//   drain        panel open → every webhook POST; Gmail connected → "Unlogged calls" gone
//   Gmail        requests and quota units a second at the stand-in (insert 25, labels.list 1,
//                labels.create 5: Google's per-method table), max over any 1-second window and average,
//                against Gmail's per-user limit (250 units a second; 15,000 a minute): the ratio is
//                units used / units allowed; and the most in any 60-second window
//   webhook      deliveries a second, max over any 1-second window and average
//   panel        long tasks (PerformanceObserver 'longtask' in the panel tab) and the latency of a key
//                typed in the Number field (keydown's timeStamp → after the next frame), in each phase;
//                the baseline is the same panel idle with the backlog waiting for Gmail, in the same run;
//                and a trace of each phase's first 15 s: which long tasks were long in CPU, not waiting
//                for a core (the 2 cores are shared with the hub, Kamailio, the stand-ins and Node)
//   exactly once every call filed once in Gmail and POSTed once
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serve } from '../scripts/serve.mjs';
import { launch, signIn, waitStatus } from '../test/support/browser.mjs';
import { startGoogle } from '../test/support/google.mjs';
import { startPbx } from '../test/support/pbx.mjs';
import { startWebhook } from '../test/support/webhook.mjs';
import { DIST } from './lib/dist.mjs';
import { ms, percentile, ratio, table } from './lib/report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLIENT_ID = '1234-patchbay-bench.apps.googleusercontent.com';
const TOKEN = 'bench-hook-token';
/** Google's quota units per method (developers.google.com/workspace/gmail/api/reference/quota). */
const UNITS = { 'GET /gmail/v1/users/me/labels': 1, 'POST /gmail/v1/users/me/labels': 5, 'POST /gmail/v1/users/me/messages': 25 };
/** Gmail's per-user limit: 250 units a second (moving average), stated now as 15,000 a minute. */
const LIMIT_PER_S = 250;
const LIMIT_PER_MIN = 15_000;
/** Keys typed in the idle phases. */
const IDLE_KEYS = 60;
/** Between two keys (ms): a brisk typist, and few enough round trips to leave the 2 cores to the drain. */
const KEY_GAP = 200;

/** How long each phase is traced from its start (ms). */
const TRACE_MS = 15_000;

const sleep = (t) => new Promise((r) => setTimeout(r, t));

/**
 * From a trace of Chromium's top-level tasks: the panel's main thread (the renderer main thread that ran
 * the most tasks) and the hub's thread (the SharedWorker thread in that process): tasks over 50 ms by
 * the wall clock and by the thread's own CPU time, the longest, and each thread's CPU share.
 */
function taskTimes(trace) {
  const events = trace.traceEvents ?? trace;
  const names = new Map();
  for (const e of events) if (e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name);
  const tasks = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask') continue;
    const key = `${e.pid}:${e.tid}`;
    if (!tasks.has(key)) tasks.set(key, []);
    tasks.get(key).push(e);
  }
  const panelKey = [...tasks].filter(([k]) => names.get(k) === 'CrRendererMain').sort((a, b) => b[1].length - a[1].length)[0]?.[0];
  const pid = panelKey?.split(':')[0];
  const hubKey = [...tasks.keys()].find((k) => k.startsWith(`${pid}:`) && names.get(k) === 'SharedWorker thread');
  const all = [...tasks.values()].flat();
  const seconds = all.length ? (Math.max(...all.map((e) => e.ts + e.dur)) - Math.min(...all.map((e) => e.ts))) / 1e6 : NaN;
  const of = (key) => {
    const list = tasks.get(key) ?? [];
    return {
      tasks: list.length,
      wallOver50: list.filter((e) => e.dur > 50_000).length,
      cpuOver50: list.filter((e) => (e.tdur ?? 0) > 50_000).length,
      longestWall: Math.max(0, ...list.map((e) => e.dur / 1000)),
      longestCpu: Math.max(0, ...list.map((e) => (e.tdur ?? 0) / 1000)),
      cpuShare: list.reduce((sum, e) => sum + (e.tdur ?? 0), 0) / 1e6 / seconds,
    };
  };
  return { seconds, panel: of(panelKey), hub: of(hubKey) };
}

/** Runs in the panel (every page of the context), before its scripts: long tasks and typed keys. */
function panelProbe() {
  const longtasks = [];
  const keys = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longtasks.push({ start: performance.timeOrigin + e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no long task timing
  }
  window.addEventListener('keydown', (e) => {
    if (!/^[0-9]$/.test(e.key)) return;
    const stamp = e.timeStamp;
    const handled = performance.now();
    // After the next frame: a rAF callback runs just before it is rendered; a message posted from it
    // is handled once the frame's work on the main thread is done.
    requestAnimationFrame(() => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => keys.push({ at: performance.timeOrigin + stamp, queued: handled - stamp, frame: performance.now() - stamp });
      port2.postMessage(0);
    });
  }, true);
  window.__loggingBench = { longtasks, keys };
}

/** The most events in any window of `width` ms starting at an event, and the sum of `weight` likewise. */
function maxWindow(events, width, weight = () => 1) {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let best = 0;
  let sum = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j].at < sorted[i].at + width) sum += weight(sorted[j++]);
    best = Math.max(best, sum);
    sum -= weight(sorted[i]);
  }
  return best;
}

const rate = (events) => {
  if (events.length < 2) return NaN;
  const ats = events.map((e) => e.at);
  return (events.length / (Math.max(...ats) - Math.min(...ats))) * 1000;
};

/**
 * @param {{ calls?: number, dist?: string, profile?: string }} [options] `profile`: a file to write a
 *   CPU profile of the panel tab to (.cpuprofile, from sign-in to the end of the Gmail drain)
 */
export async function runLogging({ calls = 1000, dist = DIST, profile } = {}) {
  const out = path.join(ROOT, '.tmp/bench-logging-seed');
  await build({ configFile: false, root: path.join(ROOT, 'bench/logging'), base: './', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022' } });
  const [google, hook, pbx] = await Promise.all([startGoogle({ clientId: CLIENT_ID }), startWebhook(), startPbx({ rtpengine: false })]);
  const config = { gmail: { clientId: CLIENT_ID }, webhooks: [{ url: hook.url, token: TOKEN }] };
  const site = await serve({ dir: path.resolve(ROOT, dist), mounts: { '/bench-logging/': out }, files: { '/config.json': JSON.stringify(config) } });
  google.allowRedirect(new URL('oauth.html', site.url).href);
  hook.allowOrigin(site.origin);
  const browser = await launch({ args: google.args() });
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
  const marks = {};
  const result = { calls, chromium: browser.version() };
  try {
    // 1. The backlog, written while no hub runs.
    const seeder = await context.newPage();
    seeder.on('pageerror', (e) => console.error(`pageerror (seed): ${e.message}`));
    await seeder.goto(`${site.url}bench-logging/index.html`);
    await seeder.waitForFunction(() => typeof window.seed === 'function');
    result.seed = await seeder.evaluate(([n, to]) => window.seed(n, to), [calls, ['gmail', 'webhook-1']]);
    await seeder.close();
    console.log(`  seeded ${result.seed.calls} final calls, ${result.seed.deliveries} deliveries in ${result.seed.ms.toFixed(0)} ms`);
    if (result.seed.calls !== calls || result.seed.deliveries !== 2 * calls) throw new Error('the backlog was not written as asked');

    // 2. The panel: the hub starts, reads config.json from the tab, and the webhook's deliveries go at once.
    await context.addInitScript(panelProbe);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
    marks.open = Date.now();
    await page.goto(site.url);
    await signIn(page, pbx, '1001');
    await waitStatus(page, 'Registered', 20000);
    marks.registered = Date.now();
    const cdp = profile ? await context.newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    // A trace of the first seconds of each phase (Chromium's top-level tasks, with their thread CPU time).
    const samples = [];
    let tracing;
    const startTrace = async (phase) => {
      await browser.startTracing(undefined, { categories: ['toplevel', '__metadata'] });
      tracing = { phase, from: Date.now() };
    };
    const stopTrace = async (force = false) => {
      if (!tracing || (!force && Date.now() - tracing.from < TRACE_MS)) return;
      const { phase } = tracing;
      tracing = undefined;
      samples.push({ phase, ...taskTimes(JSON.parse(String(await browser.stopTracing()))) });
    };
    await startTrace(0);
    const banner = page.getByText(/^Unlogged calls:/);
    await banner.first().waitFor({ timeout: 20000 });
    result.bannerAtStart = (await banner.first().textContent())?.trim();
    const field = page.locator('pb-dialpad').getByLabel('Number');
    await field.focus();

    let typed = 0;
    const typeKey = async () => {
      if (typed % 12 === 11) {
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Backspace');
      }
      await page.keyboard.press(String(typed++ % 10));
      await sleep(KEY_GAP);
    };

    // Phase A: the webhook drains while Gmail is not connected yet (its deliveries wait).
    const posted = () => new Set(hook.received.filter((r) => r.status === 200).map((r) => r.headers['idempotency-key'])).size;
    for (let i = 0; posted() < calls; i++) {
      await typeKey();
      await stopTrace();
      if (Date.now() - marks.open > 240_000) throw new Error(`the webhook had ${posted()} of ${calls} calls after 4 minutes`);
    }
    marks.webhookDone = Date.now();
    await stopTrace(true);
    // Phase B: idle, the Gmail backlog waiting: the baseline.
    await sleep(1000);
    result.bannerWaiting = (await banner.first().textContent())?.trim();
    await startTrace(1);
    marks.idleFrom = Date.now();
    for (let i = 0; i < IDLE_KEYS; i++) await typeKey();
    marks.idleTo = Date.now();
    await stopTrace(true);

    // Connect Gmail: Settings → Call logging → "Connect Gmail", consent in a popup that closes itself.
    const details = page.locator('pb-call-logging details');
    if (!(await details.evaluate((d) => d.open))) await page.getByText('Call logging', { exact: true }).click();
    const popup = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Connect Gmail' }).click();
    const consent = await popup;
    for (let i = 0; !consent.isClosed(); i++) {
      if (i > 200) throw new Error('the consent popup did not close');
      await sleep(100);
    }
    await page.locator('pb-call-logging').getByRole('status').filter({ hasText: /^Gmail: connected$/ }).waitFor();
    marks.gmailConnected = Date.now();
    await field.focus();
    await startTrace(2);

    // Phase C: the Gmail drain, typing all along, until the banner is gone.
    const filed = () => new Set(google.messages.map((m) => m.headers.get('message-id'))).size;
    for (;;) {
      await typeKey();
      await stopTrace();
      if (filed() >= calls && (await banner.count()) === 0) break;
      if (Date.now() - marks.gmailConnected > 600_000) throw new Error(`Gmail had ${filed()} of ${calls} calls after 10 minutes`);
    }
    marks.drained = Date.now();
    await stopTrace(true);
    if (cdp) (await import('node:fs')).writeFileSync(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    // Phase D: idle again, nothing left to log.
    await sleep(1000);
    marks.afterFrom = Date.now();
    for (let i = 0; i < IDLE_KEYS; i++) await typeKey();
    marks.afterTo = Date.now();
    await sleep(500);

    const probe = await page.evaluate(() => window.__loggingBench);
    const phases = [
      ['sign-in → webhook drained (Gmail waiting)', marks.registered, marks.webhookDone],
      ['idle, Gmail backlog waiting (baseline)', marks.idleFrom, marks.idleTo],
      ['Gmail drain (connected → banner gone)', marks.gmailConnected, marks.drained],
      ['idle, nothing left to log', marks.afterFrom, marks.afterTo],
    ];
    result.phases = phases.map(([name, from, to]) => {
      const inside = (x) => x.at >= from && x.at < to;
      const keys = probe.keys.filter(inside);
      const longtasks = probe.longtasks.map((l) => ({ ...l, at: l.start })).filter(inside);
      return {
        name, seconds: (to - from) / 1000, keys: keys.length,
        p50: percentile(keys.map((k) => k.frame), 50), p95: percentile(keys.map((k) => k.frame), 95), max: percentile(keys.map((k) => k.frame), 100),
        queuedP95: percentile(keys.map((k) => k.queued), 95),
        longtasks: longtasks.length, longestTask: longtasks.length ? Math.max(...longtasks.map((l) => l.duration)) : 0,
      };
    });
    result.traced = samples.map((t) => ({ ...t, phase: result.phases[t.phase].name }));
    result.loadLongtasks = probe.longtasks.filter((l) => l.start < marks.registered).map((l) => l.duration);

    // Gmail at the stand-in.
    const gmailRequests = google.requests.map((r) => ({ ...r, units: UNITS[`${r.method} ${r.path}`] ?? 0 }));
    const byKind = (m, p) => gmailRequests.filter((r) => r.method === m && r.path === p);
    const inserts = byKind('POST', '/gmail/v1/users/me/messages');
    const span = gmailRequests.length > 1 ? (Math.max(...gmailRequests.map((r) => r.at)) - Math.min(...gmailRequests.map((r) => r.at))) / 1000 : NaN;
    const units = gmailRequests.reduce((s, r) => s + r.units, 0);
    result.gmail = {
      requests: gmailRequests.length,
      inserts: inserts.length,
      list: byKind('GET', '/gmail/v1/users/me/labels').length,
      create: byKind('POST', '/gmail/v1/users/me/labels').length,
      errors: gmailRequests.filter((r) => r.status >= 300).map((r) => `${r.status} ${r.method} ${r.path}`),
      units,
      span,
      maxRequests1s: maxWindow(gmailRequests, 1000),
      avgRequests: gmailRequests.length / span,
      maxUnits1s: maxWindow(gmailRequests, 1000, (r) => r.units),
      avgUnits: units / span,
      maxUnits60s: maxWindow(gmailRequests, 60_000, (r) => r.units),
      messages: google.messages.length,
      distinct: filed(),
      drainSeconds: (marks.drained - marks.gmailConnected) / 1000,
    };
    const posts = hook.received;
    const ok = posts.filter((r) => r.status === 200);
    result.webhook = {
      posts: posts.length,
      distinct: posted(),
      maxPerSecond: maxWindow(ok, 1000),
      avgPerSecond: rate(ok),
      seconds: ok.length > 1 ? (Math.max(...ok.map((r) => r.at)) - marks.open) / 1000 : NaN,
    };
    result.totalSeconds = (marks.drained - marks.open) / 1000;
  } finally {
    await context.close();
    await browser.close();
    await Promise.all([site.close(), google.close(), hook.close(), pbx.stop()]);
  }

  const g = result.gmail;
  const w = result.webhook;
  table(
    `Call logging: a backlog of ${calls.toLocaleString('en')} final calls → Gmail and one webhook`,
    ['', 'calls', 'requests', 'once each', 'time s', 'per second, average', 'per second, max in any 1 s'],
    [
      ['webhook (from the panel opening; Gmail not connected yet)', w.distinct, w.posts, w.distinct === calls && w.posts === calls ? 'yes' : `no (${w.posts} POSTs for ${w.distinct} calls)`,
        ms(w.seconds, 1), ms(w.avgPerSecond, 1), w.maxPerSecond],
      ['Gmail (from "Connect Gmail" to "Unlogged calls" gone)', g.distinct, g.requests, g.distinct === calls && g.messages === calls ? 'yes' : `no (${g.messages} messages for ${g.distinct} calls)`,
        ms(g.drainSeconds, 1), `${ms(g.avgRequests, 2)} requests`, `${g.maxRequests1s} requests`],
    ],
    [`Backlog written with the hub's CallStore before the panel opened: ${result.seed.calls} records, ${result.seed.deliveries} deliveries (${ms(result.seed.ms, 0)} ms). ` +
      `Panel open → everything delivered: ${ms(result.totalSeconds, 1)} s (sign-in and the consent popup included). ` +
      `Banner at sign-in: "${result.bannerAtStart}". Chromium ${result.chromium}.`],
  );
  table(
    "Call logging: Gmail's quota during the drain (per user)",
    ['', 'requests', 'units', 'units/s average', 'units/s max in any 1 s', 'units max in any 60 s', 'used / allowed (avg)', 'used / allowed (max 1 s)', 'used / allowed (max 60 s)'],
    [[
      `${g.inserts} insert, ${g.list} labels.list, ${g.create} labels.create`, g.requests, g.units, ms(g.avgUnits, 1), g.maxUnits1s, g.maxUnits60s,
      ratio(g.avgUnits, LIMIT_PER_S, 2), ratio(g.maxUnits1s, LIMIT_PER_S, 2), ratio(g.maxUnits60s, LIMIT_PER_MIN, 2),
    ]],
    [`Units: insert 25, labels.list 1, labels.create 5. Allowed: ${LIMIT_PER_S} units a second per user (moving average), ${LIMIT_PER_MIN.toLocaleString('en')} a minute. ` +
      `Windows start at a request (time of the stand-in's answer). Answers other than 2xx: ${g.errors.length ? g.errors.join(', ') : 'none'}.`],
  );
  const base = result.phases[1];
  table(
    'Call logging: the panel meanwhile (key typed in the Number field → after the next frame, ms; long tasks in the panel tab)',
    ['phase', 'seconds', 'keys', 'p50', 'p95', 'max', 'p95 vs idle', 'p95 keydown queued', 'long tasks > 50 ms', 'longest ms'],
    result.phases.map((p) => [p.name, ms(p.seconds, 1), p.keys, ms(p.p50), ms(p.p95), ms(p.max), ratio(p.p95, base.p95), ms(p.queuedP95), p.longtasks, ms(p.longestTask, 0)]),
    [`A digit every ${KEY_GAP} ms (the field cleared every 12). "queued": the keydown's timeStamp → its handler. ` +
      `Before sign-in (load, first render): ${result.loadLongtasks.length} long task(s)${result.loadLongtasks.length ? `, longest ${ms(Math.max(...result.loadLongtasks), 0)} ms` : ''}.`],
  );
  const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : '—');
  table(
    'Call logging: where the panel\'s long tasks come from (a trace of the first seconds of each phase)',
    ['phase', 'traced s', 'panel tasks > 50 ms (wall)', 'of them > 50 ms CPU', 'longest wall ms', 'longest CPU ms', 'panel thread CPU', 'hub thread CPU'],
    result.traced.map((t) => [t.phase, ms(t.seconds, 1), t.panel.wallOver50, t.panel.cpuOver50, ms(t.panel.longestWall, 0), ms(t.panel.longestCpu, 0), pct(t.panel.cpuShare), pct(t.hub.cpuShare)]),
    ['Chromium\'s top-level tasks (ThreadControllerImpl::RunTask) with the thread\'s own CPU time (tdur): a task long by the wall clock but short in CPU waited for a core. ' +
      `Traced for the first ${TRACE_MS / 1000} s of each phase (all of the shorter ones); load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`],
  );
  return result;
}
