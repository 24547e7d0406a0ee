// Benchmark: call load. SIPp places 600 calls at 10 new calls a second through Kamailio and rtpengine to
// one user signed in in three tabs (test/support/sipp-load.xml: each caller rings 1.5 to 5 s and
// hangs up unless answered; the first tab clicks Answer on the newest ringing call whenever it is not
// on a call, so at most one call is up at a time, and an answered caller talks 3 s). Measured:
//   calls        offered (SIPp's count), how SIPp says they ended, and the history against that: calls
//                missing, doubled or with another outcome (the panel's JSON export, by SIP Call-ID)
//   hub heap     the SharedWorker's JS heap after a forced GC (DevTools: HeapProfiler.collectGarbage,
//                Runtime.getHeapUsage), signed in and idle before the run, sampled every 3 s during it
//                (peak), and once every call is over
//   tabs         long tasks each tab's PerformanceObserver saw (wall clock), and from Chrome's trace the
//                CPU time of the longest task on each renderer's main thread (the machine's other work
//                stretches the wall clock; the CPU time is the panel's own)
//   ringing      the INVITE leaving Kamailio (PBX-RELAY, wall clock) → the call's card rendered in each
//                tab (a MutationObserver on the panel's shadow root, then the card's updateComplete),
//                under load against single calls (one at a time, none answered) in the same run
// The browser is started here with a DevTools port, to reach the hub's SharedWorker.
import os from 'node:os';
import { exportAllCalls, launch, openTab, signIn, startSite, waitStatus } from '../test/support/browser.mjs';
import { devtoolsPort, hubDevtools, sampleHubHeap } from '../test/support/hub-devtools.mjs';
import { longTasks, traceMainThreads, watchLongTasks } from '../test/support/long-tasks.mjs';
import { startPbx } from '../test/support/pbx.mjs';
import { answerWhileFree, loadRtpPorts, sippLoad } from '../test/support/sipp-load.mjs';
import { DIST } from './lib/dist.mjs';
import { ms, percentile, ratio, table } from './lib/report.mjs';

const TABS = 3;
const MB = 2 ** 20;
const EXPECTED = { answered: 'answered', crossed: 'answered', cancelled: 'missed' };
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Runs in each page: when each incoming-call card is rendered, by the call's SIP Call-ID. */
function popProbe() {
  const pops = [];
  Object.defineProperty(window, '__pops', { value: pops });
  const seen = new WeakSet();
  const note = (card) => {
    if (seen.has(card)) return;
    seen.add(card);
    card.updateComplete.then(() => pops.push({ id: card.call?.sipCallId, t: performance.timeOrigin + performance.now() }));
  };
  // The panel's element is created once the page has found its hub, some time after it is defined.
  const attach = () => {
    const root = document.querySelector('patchbay-app')?.shadowRoot;
    if (!root) return void setTimeout(attach, 50);
    new MutationObserver((records) => {
      for (const r of records) {
        for (const node of r.addedNodes) {
          if (node.nodeType !== 1) continue;
          if (node.localName === 'pb-incoming-call') note(node);
          for (const card of node.querySelectorAll('pb-incoming-call')) note(card);
        }
      }
    }).observe(root, { childList: true, subtree: true });
  };
  attach();
}

/** When each INVITE left Kamailio toward the browser, by Call-ID (epoch ms). */
function relayTimes(pbx) {
  const times = new Map();
  for (const m of pbx.logs().matchAll(/PBX-RELAY INVITE t=(\d+)\.(\d+) cid=(\S+)/g)) {
    if (!times.has(m[3])) times.set(m[3], Number(m[1]) * 1000 + Number(m[2].padEnd(6, '0')) / 1000);
  }
  return times;
}

/** INVITE → card rendered, for the calls in `ids`, in every page (ms). */
async function popLatencies(pages, pbx, ids) {
  const relayed = relayTimes(pbx);
  const out = [];
  for (const page of pages) {
    for (const p of await page.evaluate(() => window.__pops)) {
      if (ids.has(p.id) && relayed.has(p.id)) out.push(p.t - relayed.get(p.id));
    }
  }
  return out;
}

async function settled(pages) {
  for (const page of pages) {
    for (let i = 0; i < 300; i++) {
      if ((await page.locator('pb-incoming-call').count()) === 0 && (await page.locator('pb-active-call').count()) === 0) break;
      await sleep(100);
    }
  }
}

export async function runLoad({ rate = 10, calls = 600, singles = 10, dist = DIST } = {}) {
  const port = await devtoolsPort();
  const [pbx, site, browser] = await Promise.all([
    startPbx({ authInvites: false, rtpPorts: loadRtpPorts() }),
    startSite({ dir: dist }),
    launch({ args: [`--remote-debugging-port=${port}`] }),
  ]);
  const result = { rate, calls, singles };
  try {
    const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
    await watchLongTasks(context);
    await context.addInitScript(popProbe);
    const pages = [];
    for (let i = 0; i < TABS; i++) pages.push(await openTab(context, site));
    await signIn(pages[0], pbx, '1001');
    for (const page of pages) await waitStatus(page, 'Registered', 20000);
    const hub = await hubDevtools(port);
    await sleep(2000);
    result.heapIdle = await hub.heap();

    // Single calls: one at a time, each rings and is cancelled.
    console.log(`  ${singles} single calls…`);
    const single = await sippLoad(pbx, { rate: 1, calls: singles, maxConcurrent: 1 });
    await settled(pages);
    result.single = await popLatencies(pages, pbx, new Set(single.outcomes.keys()));
    if (!result.single.length) throw new Error('no ringing card was seen in any tab: the page probe found no panel');

    // The load.
    console.log(`  ${calls} calls at ${rate} a second…`);
    const heap = sampleHubHeap(hub, 3000);
    const trace = await traceMainThreads(browser);
    const start = Date.now();
    const answering = answerWhileFree(pages[0]);
    const load = await sippLoad(pbx, { rate, calls, talkMs: 3000 });
    result.tab = await answering.stop();
    await settled(pages);
    result.heapSamples = (await heap.stop()).map((s) => s.bytes);
    result.loadAverage = os.loadavg();
    result.threads = await trace.stop();
    result.seen = await Promise.all(pages.map((page) => longTasks(page, start)));
    result.loaded = await popLatencies(pages, pbx, new Set(load.outcomes.keys()));
    await sleep(3000);
    result.heapEnd = await hub.heap();
    hub.close();

    result.sipp = { created: Number(load.stats.TotalCallCreated), failed: Number(load.stats['FailedCall(C)']), logged: load.outcomes.size, counts: load.counts };
    const history = await exportAllCalls(pages[1]);
    const times = new Map();
    for (const c of history) times.set(c.sipCallId, (times.get(c.sipCallId) ?? 0) + 1);
    const byId = new Map(history.map((c) => [c.sipCallId, c]));
    const inLoad = history.filter((c) => load.outcomes.has(c.sipCallId));
    result.history = {
      records: inLoad.length,
      missing: [...load.outcomes.keys()].filter((id) => !times.has(id)).length,
      doubled: [...times].filter(([id, n]) => n > 1 && load.outcomes.has(id)).length,
      wrong: [...load.outcomes].filter(([id, how]) => byId.has(id) && byId.get(id).outcome !== EXPECTED[how]).length,
      answered: inLoad.filter((c) => c.outcome === 'answered').length,
      missed: inLoad.filter((c) => c.outcome === 'missed').length,
    };
    await context.close();
  } finally {
    await browser.close();
    await site.close();
    await pbx.stop();
  }

  const r = result;
  const s = r.sipp;
  table(
    `Load: ${calls} calls at ${rate} a second to one user in ${TABS} tabs (SIPp → Kamailio + rtpengine)`,
    ['', 'SIPp', 'history'],
    [
      ['calls offered / in the history', s.created, r.history.records],
      ['answered (SIPp: answered + crossed)', `${s.counts.answered} + ${s.counts.crossed}`, r.history.answered],
      ['cancelled while ringing (history: missed)', s.counts.cancelled, r.history.missed],
      ['failed (SIPp) / missing, doubled, other outcome (history)', s.failed, `${r.history.missing}, ${r.history.doubled}, ${r.history.wrong}`],
    ],
    [`The first tab clicked Answer on the newest ringing call whenever it was not on a call: ${r.tab.clicked} clicks, ${r.tab.answered} calls up, ${r.tab.audio} with "Audio connected". "Crossed": the caller's CANCEL and the panel's 200 crossed; the answer wins (RFC 3261 9.1).`],
  );
  const peak = Math.max(...r.heapSamples);
  table(
    'Hub heap (the SharedWorker\'s JS heap after a forced GC, MB)',
    ['signed in, idle', 'peak during the load', 'after the load', 'end vs idle'],
    [[(r.heapIdle / MB).toFixed(1), (peak / MB).toFixed(1), (r.heapEnd / MB).toFixed(1), ratio(r.heapEnd, r.heapIdle)]],
    [`Sampled every 3 s: ${r.heapSamples.map((b) => (b / MB).toFixed(1)).join(' ')}`],
  );
  const max = (values) => (values.length ? Math.max(...values) : 0);
  table(
    'Tabs during the load: long tasks (PerformanceObserver, wall clock) and the CPU time of the longest main-thread task (Chrome trace)',
    ['', 'long tasks', 'longest (wall ms)', 'renderer main thread: tasks', 'longest (CPU ms)', 'over 50 ms CPU'],
    [
      ...r.seen.map((tasks, i) => [`tab ${i + 1}${i === 0 ? ' (answers)' : ''}`, tasks.length, ms(max(tasks.map((t) => t.ms)), 0), '', '', '']),
      ...r.threads.slice(0, TABS + 1).map((th, i) => [`renderer ${i + 1} (pid ${th.pid})`, '', '', th.tasks.length, ms(max(th.tasks.map((t) => t.cpuMs))), th.tasks.filter((t) => t.cpuMs > 50).length]),
    ],
    [`Load average during the run ${r.loadAverage.map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores. Renderers are listed busiest first (the tabs, then the hub's host); a trace cannot say which tab a renderer holds.`],
  );
  table(
    'Ringing: INVITE leaving Kamailio → the call\'s card rendered, in each tab (ms)',
    ['', 'samples', 'p50', 'p95', 'p95 vs single'],
    [
      [`single calls (one at a time, ${singles})`, r.single.length, ms(percentile(r.single, 50)), ms(percentile(r.single, 95)), ''],
      [`under load (${rate} a second)`, r.loaded.length, ms(percentile(r.loaded, 50)), ms(percentile(r.loaded, 95)), ratio(percentile(r.loaded, 95), percentile(r.single, 95))],
    ],
    ['Kamailio\'s wall clock and the page\'s (performance.timeOrigin + now) on the same machine.'],
  );
  return { ...result, threads: result.threads.map((t) => ({ pid: t.pid, tasks: t.tasks.length, maxCpuMs: max(t.tasks.map((x) => x.cpuMs)), maxWallMs: max(t.tasks.map((x) => x.wallMs)) })) };
}
