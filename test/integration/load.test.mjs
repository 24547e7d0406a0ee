// Load: SIPp places 10 new calls a second for 60 seconds (600 calls) through Kamailio and rtpengine to
// one user signed in in three tabs of the panel. Each caller rings 1.5 to 5 s and hangs up unless
// answered; the first tab answers, as a person would, the newest ringing call whenever it is not
// already on one (one call at a time: answering another would put the first on hold), and each
// answered caller talks 3 s and hangs up. Then the panel's history (its JSON export) is held against
// SIPp's own per-call log, the hub's heap against itself over the run, and every tab's tasks against
// 50 ms: the CPU time of each task on a renderer's main thread (Chrome's trace), since other work on
// a busy machine stretches the wall clock of any task; the wall-clock long tasks the pages saw are
// printed beside the load average.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { eventually, exportAllCalls, incoming, launch, openTab, signIn, startSite, waitStatus } from '../support/browser.mjs';
import { devtoolsPort, hubDevtools, sampleHubHeap } from '../support/hub-devtools.mjs';
import { longTasks, traceMainThreads, watchLongTasks } from '../support/long-tasks.mjs';
import { startPbx } from '../support/pbx.mjs';
import { answerWhileFree, loadRtpPorts, sippLoad } from '../support/sipp-load.mjs';

const RATE = 10;
const CALLS = 600;
const TABS = 3;
const MB = 2 ** 20;

/** What the history must say of a call that SIPp logged so. */
const EXPECTED = { answered: 'answered', crossed: 'answered', cancelled: 'missed' };

describe('load: 600 calls at 10 a second to one user', () => {
  let pbx, site, browser, context, port;
  const pages = [];
  before(async () => {
    port = await devtoolsPort();
    [pbx, site, browser] = await Promise.all([
      startPbx({ authInvites: false, rtpPorts: loadRtpPorts() }),
      startSite(),
      launch({ args: [`--remote-debugging-port=${port}`] }),
    ]);
    context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
    await watchLongTasks(context);
    for (let i = 0; i < TABS; i++) pages.push(await openTab(context, site));
    await signIn(pages[0], pbx, '1001');
    for (const page of pages) await waitStatus(page, 'Registered', 20000);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await site?.close();
    await pbx?.stop();
  });

  it('keeps every call in the history once, as SIPp says it ended, with the hub\'s heap flat and no task over 50 ms of CPU in any tab', async () => {
    const hub = await hubDevtools(port);
    assert.ok(hub, 'the hub SharedWorker is running');
    const heap = sampleHubHeap(hub, 3000);
    const trace = await traceMainThreads(browser);
    const start = Date.now();
    const answering = answerWhileFree(pages[0]);
    const load = await sippLoad(pbx, { to: '1001', rate: RATE, calls: CALLS, talkMs: 3000 });
    const tab = await answering.stop();
    // Every call over in every tab: nothing ringing, nothing in progress.
    for (const page of pages) {
      await eventually(async () => (await incoming(page).count()) === 0 && (await page.getByRole('region', { name: /^Call with/ }).count()) === 0,
        { timeout: 30000, message: 'no call left ringing or in progress' });
    }
    const samples = await heap.stop();
    const end = Date.now();
    const load1 = os.loadavg()[0];
    hub.close();
    const threads = await trace.stop();
    const seen = await Promise.all(pages.map((page) => longTasks(page, start)));
    const max = (values) => (values.length ? Math.max(...values) : 0).toFixed(0);

    console.log(`# SIPp: ${load.outcomes.size} calls: ${JSON.stringify(load.counts)}; the tab clicked Answer ${tab.clicked}×, ${tab.answered} calls came up, ${tab.audio} with audio`);
    console.log(`# hub heap (MB, after GC, every 3 s): ${samples.map((s) => (s.bytes / MB).toFixed(1)).join(' ')}`);
    console.log(`# long tasks (wall clock) per tab: ${seen.map((t) => `${t.length} (max ${max(t.map((x) => x.ms))} ms)`).join(', ')}; run ${((end - start) / 1000).toFixed(0)} s, load average ${load1.toFixed(1)} on ${os.cpus().length} cores`);
    console.log(`# renderer main threads: ${threads.map((r) => `${r.tasks.length} tasks, max ${max(r.tasks.map((x) => x.cpuMs))} ms CPU / ${max(r.tasks.map((x) => x.wallMs))} ms wall`).join('; ')}`);

    // SIPp's own account: every call placed, none failed, one log line each.
    assert.equal(load.stats.TotalCallCreated, String(CALLS), 'SIPp placed every call');
    assert.equal(load.stats['FailedCall(C)'], '0', `no call failed in SIPp:\n${load.failures.join('\n').slice(0, 4000)}`);
    assert.equal(load.outcomes.size, CALLS, 'SIPp logged how each call ended');
    assert.deepEqual(load.repeated, []);
    assert.ok(load.counts.answered >= 1 && load.counts.cancelled >= 1, 'the run mixes answered and cancelled calls');
    assert.ok(tab.audio >= 1, 'answered calls reach "Audio connected"');
    assert.ok(threads.length >= 1 && threads[0].tasks.length > 0, 'the trace holds the tabs\' tasks');

    // The history: each of SIPp's calls once, and ended the way SIPp says.
    const calls = await exportAllCalls(pages[1]);
    const times = new Map();
    for (const c of calls) times.set(c.sipCallId, (times.get(c.sipCallId) ?? 0) + 1);
    assert.deepEqual([...times].filter(([, n]) => n > 1), [], 'no call is in the history twice');
    assert.deepEqual([...load.outcomes.keys()].filter((id) => !times.has(id)), [], 'no call is missing from the history');
    assert.equal(calls.length, CALLS, 'the history holds nothing else');
    const byId = new Map(calls.map((c) => [c.sipCallId, c]));
    const wrong = [...load.outcomes].filter(([id, how]) => byId.get(id).outcome !== EXPECTED[how] || byId.get(id).direction !== 'inbound')
      .map(([id, how]) => `${id}: SIPp ${how}, history ${byId.get(id).direction} ${byId.get(id).outcome}`);
    assert.deepEqual(wrong, [], 'each call ended in the history as it did for SIPp');

    // The hub's heap is bounded: the last third of the run holds no more than the first third
    // plus a little (the records in wrap-up; everything else is in IndexedDB).
    const third = Math.floor(samples.length / 3);
    const firstMax = Math.max(...samples.slice(0, third).map((s) => s.bytes));
    const lastMax = Math.max(...samples.slice(-third).map((s) => s.bytes));
    assert.ok(lastMax <= firstMax * 1.5, `hub heap: first third max ${(firstMax / MB).toFixed(1)} MB, last third max ${(lastMax / MB).toFixed(1)} MB`);

    // The panel stays usable: no task of its own over 50 ms on any tab's main thread during the run.
    const heavy = threads.flatMap((r) => r.tasks.filter((x) => x.cpuMs > 50).map((x) => `${r.pid}: ${x.cpuMs.toFixed(0)} ms CPU (${x.wallMs.toFixed(0)} ms wall)`));
    assert.deepEqual(heavy, [], 'tasks over 50 ms of CPU time on a renderer\'s main thread');
  });
});
