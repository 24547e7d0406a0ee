// Benchmark: apps in the panel. The built panel signed in to Kamailio, with N benchmark apps
// (bench/apps/) iframed from a second origin on another site. One app, "writer", patches its private field
// `apps.writer.seq`; every other app is subscribed and notes when each change reaches it.
//   latency     writer's patch() call → the event in each subscriber, with 1, 5 and 10 subscribers
//               (the 1-subscriber run is the baseline)
//   throughput  patches a second through the hub with 10 subscribers, every event delivered to all,
//               against 1 subscriber
//   PBX cost    SIP messages at Kamailio while 10 apps load, connect and patch, against a panel with none
//   hub alone   the same patches and events through the hub's own code (call book, IndexedDB, app API) in a
//               worker, with the writer and subscribers on MessagePorts in one page: what the hub can do
//               without iframes, processes and the panel (bench/apps/hub-alone/)
import path from 'node:path';
import { build } from 'vite';
import { serve } from '../scripts/serve.mjs';
import { openTab, signIn, waitStatus } from '../test/support/browser.mjs';
import { appConnected, appFrame } from '../test/support/apps.mjs';
import { startPbx } from '../test/support/pbx.mjs';
import { DIST } from './lib/dist.mjs';
import { ms, percentile, ratio, table } from './lib/report.mjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

export async function runApps({ browser, counts = [1, 5, 10], patches = 200, flood = 3000, trace }) {
  const served = await serve({ dir: DIST, mounts: { '/bench-apps/': 'bench/apps' } });
  // "localhost" against the panel's 127.0.0.1: another site, as a vendor's app is, so Chromium runs the
  // apps in their own renderer processes (site isolation) rather than on the panel's main thread.
  const appsSite = { ...served, url: served.url.replace('127.0.0.1', 'localhost') };
  const config = { apps: [] };
  const site = await serve({ dir: DIST, files: { '/config.json': '{}' } });
  served.setFile('/panel.json', JSON.stringify({ url: site.url }));
  const setApps = (n) => {
    const app = (id) => ({ id, name: id, url: `${appsSite.url}bench-apps/bench-app.html?${id}`, grants: ['read'], rate: 1_000_000 });
    config.apps = n < 0 ? [] : [app('writer'), ...Array.from({ length: n }, (_, i) => app(`sub-${i + 1}`))];
    site.setFile('/config.json', JSON.stringify(config));
  };
  const pbx = await startPbx({ rtpengine: false });
  const context = await browser.newContext();
  const latency = [];
  const throughput = [];
  let pbxCost;
  try {
    setApps(-1);
    // A second tab keeps the hub (and its one registration) alive while the measured tab reloads.
    const keeper = await openTab(context, site);
    await signIn(keeper, pbx, '1001');
    await waitStatus(keeper, 'Registered');
    const page = await openTab(context, site);
    await waitStatus(page, 'Registered');

    const load = async (n) => {
      setApps(n);
      await page.reload();
      await waitStatus(page, 'Registered');
      const frames = [];
      for (const app of config.apps) {
        const frame = await appFrame(page, app.url);
        await appConnected(frame, app.id, 30000);
        frames.push(frame);
      }
      if (!frames.length) return { frames, id: undefined };
      // A record to write to: a lookup, opened in the panel for the apps.
      await page.getByText('Look up a number or a business card').click();
      await page.locator('pb-lookup').getByLabel('Name').fill(`Benchmark ${n}`);
      await page.locator('pb-lookup').getByRole('button', { name: 'Look up' }).click();
      const id = await frames[0].evaluate(async (name) => {
        for (;;) {
          const calls = await window.pb.calls.list({ live: true });
          const hit = calls.find((c) => c.contact?.name === name);
          if (hit) return hit.id;
          await new Promise((r) => setTimeout(r, 50));
        }
      }, `Benchmark ${n}`);
      return { frames, id };
    };

    // PBX cost: messages at Kamailio while 10 apps load, connect and write, vs. the same time with none.
    const measure = async (n) => {
      pbx.resetCounts();
      const { frames, id } = await load(n);
      if (frames.length) await frames[0].evaluate((a) => window.writeSequential(a.id, 0, 50, 0), { id });
      await sleep(1000);
      return pbx.counts();
    };
    const none = await measure(-1);
    const ten = await measure(10);
    pbxCost = { none, ten };

    for (const n of counts) {
      const { frames, id } = await load(n);
      const [writer, ...subs] = frames;
      await writer.evaluate((a) => window.writeSequential(a.id, 0, 20, 5), { id }); // warm-up
      const sent = await writer.evaluate((a) => window.writeSequential(a.id, 1000, a.patches, 5), { id, patches });
      await sleep(500);
      const delays = [];
      for (const sub of subs) {
        const got = await sub.evaluate(() => Object.fromEntries(window.received));
        for (const [seq, at] of Object.entries(sent)) if (got[seq]) delays.push(got[seq] - at);
      }
      const missing = patches * subs.length - delays.length;
      latency.push({ n, p50: percentile(delays, 50), p95: percentile(delays, 95), max: percentile(delays, 100), missing });

      if (n === counts[0] || n === counts[counts.length - 1]) {
        const from = 100_000;
        // `trace`: a file to write a Chromium trace of the flood to (every process and thread).
        if (trace) await browser.startTracing(undefined, { categories: ['toplevel', 'v8.execute', 'devtools.timeline', '__metadata', 'disabled-by-default-v8.cpu_profiler'] });
        const [start] = await writer.evaluate((a) => window.writeFlood(a.id, a.from, a.flood, 32), { id, from, flood });
        if (trace) (await import('node:fs')).writeFileSync(`${trace}-${n}.json`, await browser.stopTracing());
        let lastAt = 0;
        for (const sub of subs) {
          const last = await sub.evaluate(async (seq) => {
            for (let i = 0; i < 200 && !window.received.has(seq); i++) await new Promise((r) => setTimeout(r, 50));
            return window.received.get(seq);
          }, from + flood - 1);
          lastAt = Math.max(lastAt, last ?? Infinity);
        }
        const delivered = [];
        for (const sub of subs) delivered.push(await sub.evaluate((a) => [...window.received.keys()].filter((k) => k >= a.from).length, { from }));
        throughput.push({ n, perSecond: (flood / (lastAt - start)) * 1000, delivered: Math.min(...delivered) });
      }
    }
  } finally {
    await context.close();
    await pbx.stop();
    await site.close();
    await served.close();
  }

  // The hub alone.
  const out = '.tmp/bench-hub-alone';
  await build({ configFile: false, root: path.resolve('bench/apps/hub-alone'), base: './', logLevel: 'warn', build: { outDir: path.resolve(out), emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  const alone = [];
  const aloneSite = await serve({ dir: out });
  const aloneContext = await browser.newContext();
  try {
    const tab = await aloneContext.newPage();
    await tab.goto(aloneSite.url);
    await tab.waitForFunction(() => typeof window.run === 'function');
    for (const n of [1, 10]) alone.push({ n, ...(await tab.evaluate((a) => window.run(a.n, a.flood, 32, a.patches), { n, flood, patches })) });
  } finally {
    await aloneContext.close();
    await aloneSite.close();
  }

  const base = latency[0];
  table(
    'Apps: a patch by one app → the event in every other app',
    ['subscribed apps', 'p50 ms', 'p95 ms', 'max ms', 'p95 vs 1 app', 'events lost'],
    latency.map((r) => [r.n, ms(r.p50, 2), ms(r.p95, 2), ms(r.max, 2), ratio(r.p95, base.p95), r.missing]),
    [`${patches} sequential patches (5 ms apart) of \`apps.writer.seq\` by the app "writer"; times on the epoch clock of each frame.`],
  );
  table(
    'Apps: sustained patches through the hub',
    ['subscribed apps', 'patches/s (every event delivered to all)', 'vs 1 app', 'events delivered per app'],
    throughput.map((r) => [r.n, Math.round(r.perSecond), ratio(r.perSecond, throughput[0].perSecond, 2), `${r.delivered} of ${flood}`]),
    [`${flood} patches, 32 in flight, from the first patch sent to the last event received by the slowest app.`],
  );
  const c = (x) => [x.wsOpen, x.registers, x.messages ?? '—'];
  table(
    'Apps: what apps cost the PBX',
    ['panel', 'WebSockets opened', 'REGISTERs', 'other SIP messages'],
    [['no apps', ...c(pbxCost.none)], ['10 apps loaded, connected, 50 patches', ...c(pbxCost.ten)]],
    ['Counted at Kamailio over the same steps (reload of the panel, apps connect, a lookup, patches, 1 s).'],
  );
  table(
    'Apps: the hub alone (its code in a worker, apps as MessagePorts in one page)',
    ['subscribed apps', 'patch → event p50 ms', 'p95 ms', 'patches/s', 'vs 1 app', 'events delivered per app'],
    alone.map((r) => [r.n, ms(r.p50, 2), ms(r.p95, 2), Math.round(r.perSecond), ratio(r.perSecond, alone[0].perSecond, 2), `${r.delivered} of ${flood}`]),
    ['Same patches as above (sequential ones 2 ms apart for latency, then the flood with 32 in flight); the real call book, IndexedDB write-through and app API.'],
  );
  return { latency, throughput, pbxCost, alone };
}
