// Benchmark 6: the call history at 10,000 and 100,000 calls, through the real hub (the built
// hub.js) and the TabApi, from the page in bench/history/ served on the app's origin; against a
// naive history (every record read with getAll(), then filtered, sorted and sliced in memory)
// measured in the same run, on the same database. Per size:
//   seed         the synthetic calls imported through importHistory (5,000 per call) → calls/s
//   cold start   every page closed (the hub worker is gone: checked over CDP), a fresh page: its
//                first `history({ limit: 50 })` right after hello; and navigation → that page
//   first page   warm: All, and each filter (Missed, Received, Dialed)
//   search       p50 / p95 of `history({ search, limit: 50 })`, number prefixes typed in any format,
//                and words (names, companies, notes; one or two words)
//   scroll       pages of 200 from the top until the 50,000th call (the 10,000th at 10,000)
//   heap         the hub's JS heap after all that and a forced GC (CDP Runtime.getHeapUsage on the
//                SharedWorker target), against the page heap the naive history holds
// Then, at the largest size, the write-through of ringing calls with the hub idle and while it
// answers searches back to back; and write-through inserts per second: the store (v3) against the
// v2 and v1 schemas as they shipped.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { devtoolsPort, hubDevtools, isHub } from '../test/support/hub-devtools.mjs';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { serve } from '../scripts/serve.mjs';
import { DIST } from './lib/dist.mjs';
import { median, ms, percentile, ratio, table } from './lib/report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const mb = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MB` : '—');

async function hubHeap(port) {
  const hub = await hubDevtools(port);
  if (!hub) return NaN;
  try {
    await hub.send('HeapProfiler.collectGarbage');
    return await hub.heap();
  } finally {
    hub.close();
  }
}

async function pageHeap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}

export async function runHistory({ sizes = [10_000, 100_000], searches = 40, coldRuns = 5, dist = DIST } = {}) {
  const out = path.join(ROOT, '.tmp/bench-history');
  await build({ configFile: false, root: path.join(ROOT, 'bench/history'), base: './', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022' } });
  const site = await serve({ dir: path.resolve(ROOT, dist), mounts: { '/hist/': out } });
  const port = await devtoolsPort();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs(), `--remote-debugging-port=${port}`], headless: true });
  const context = await browser.newContext();
  const url = `${site.url}hist/index.html`;
  const results = [];
  const open = async (query = '') => {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
    await page.goto(`${url}${query}`);
    await page.evaluate(() => window.hist.ready);
    return page;
  };
  /** Closes every page, then waits until the hub worker has gone. */
  const closeAll = async () => {
    for (const p of context.pages()) await p.close();
    for (let i = 0; i < 100; i++) {
      const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      if (!targets.some(isHub)) return;
      await sleep(50);
    }
    throw new Error('the hub worker did not stop after its last page closed');
  };
  let inserts;
  let writeThrough;
  try {
    let page = await open();
    let stored = 0;
    for (const size of sizes) {
      const r = { size };
      console.log(`  seeding ${size - stored} calls…`);
      const seed = await page.evaluate(([from, count]) => window.hist.seed(from, count), [stored, size - stored]);
      stored = size;
      r.seed = { ...seed, perSecond: (seed.added / seed.ms) * 1000 };
      r.storage = await page.evaluate(() => window.hist.storageInfo());
      if (r.storage.records !== size) throw new Error(`expected ${size} records, the hub has ${r.storage.records}`);

      // Cold starts: a fresh hub each time; the naive history then loads everything in that page.
      r.cold = [];
      r.coldNav = [];
      r.naiveFirst = [];
      for (let i = 0; i < coldRuns; i++) {
        await closeAll();
        page = await open('?cold');
        const cs = await page.evaluate(() => window.hist.coldStart);
        if (cs.calls !== 50) throw new Error(`the cold first page held ${cs.calls} calls`);
        r.cold.push(cs.firstPageCall);
        r.coldNav.push(cs.firstPage);
        r.naiveFirst.push((await page.evaluate(() => window.hist.naiveFirstPage())).ms);
      }
      // The naive history holds every record: what that costs the page's heap.
      const cdp = await context.newCDPSession(page);
      const withAll = await pageHeap(cdp);
      await page.evaluate(() => window.hist.dropAll());
      r.naiveHeap = withAll - (await pageHeap(cdp));
      await page.evaluate(() => window.hist.naiveFirstPage());

      r.warm = {};
      for (const filter of ['all', 'missed', 'received', 'dialed']) {
        const times = [];
        for (let i = 0; i < 11; i++) times.push((await page.evaluate((q) => window.hist.query(q), { filter, limit: 50 })).ms);
        r.warm[filter] = median(times.slice(1));
      }

      r.search = {};
      for (const kind of ['number', 'word']) {
        const texts = await page.evaluate(([k, n]) => window.hist.queries(k, n), [kind, searches]);
        const hub = [];
        const naive = [];
        const partial = [];
        for (const search of texts) {
          const q = await page.evaluate((s) => window.hist.query({ search: s, limit: 50 }), search);
          hub.push(q.ms);
          if (q.calls < 50 && q.next) partial.push(search);
          naive.push((await page.evaluate((s) => window.hist.naiveSearch(s), search)).ms);
        }
        r.search[kind] = { hub, naive, texts, partial };
      }

      const target = Math.min(50_000, size);
      r.scroll = await page.evaluate((t) => window.hist.scroll(t), target);
      r.naiveScroll = (await page.evaluate((t) => window.hist.naiveScroll(t), target)).ms;
      if (r.scroll.seen < target) throw new Error(`scrolling reached only ${r.scroll.seen} calls`);
      await page.evaluate(() => window.hist.dropAll());
      r.hubHeap = await hubHeap(port);
      await cdp.detach();
      results.push(r);
      console.log(`  ${size}: cold first page ${ms(median(r.cold))} ms, search p95 ${ms(percentile(r.search.number.hub, 95))} / ${ms(percentile(r.search.word.hub, 95))} ms, hub heap ${mb(r.hubHeap)}`);
    }
    // Write-through of live calls while the history is searched (after the largest size only: it adds records).
    const heavy = await page.evaluate(([k, n]) => window.hist.queries(k, n), ['word', searches]);
    writeThrough = {
      idle: (await page.evaluate(() => window.hist.writeThrough(100, []))).times,
      busy: await page.evaluate((q) => window.hist.writeThrough(100, q), heavy),
    };
    inserts = {};
    for (const schema of ['v1', 'v2', 'v3', 'v1', 'v2', 'v3']) {
      const x = await page.evaluate((s) => window.hist.insert(s, 2000, 10_000), schema);
      (inserts[schema] ??= []).push(x.perSecond);
    }
  } finally {
    await context.close();
    await browser.close();
    await site.close();
  }

  const rows = [];
  for (const r of results) {
    const n = r.size.toLocaleString('en');
    const num = r.search.number;
    const word = r.search.word;
    rows.push(
      [n, 'first page, cold start: `history()` right after hello in a fresh hub (median of ' + coldRuns + ')', ms(median(r.cold)), ms(median(r.naiveFirst)), ratio(median(r.naiveFirst), median(r.cold))],
      [n, 'cold start: navigation → first page (fetch, start the hub, hello, query)', ms(median(r.coldNav)), '—', ''],
      [n, 'first page, warm: All / Missed / Received / Dialed (median of 10)', ['all', 'missed', 'received', 'dialed'].map((f) => ms(r.warm[f])).join(' / '), '—', ''],
      [n, `search by number prefix, any format: p50 / p95 (${num.hub.length} searches)`, `${ms(median(num.hub))} / ${ms(percentile(num.hub, 95))}`, `${ms(median(num.naive))} / ${ms(percentile(num.naive, 95))}`, ratio(percentile(num.naive, 95), percentile(num.hub, 95))],
      [n, `search by words: p50 / p95 (${word.hub.length} searches)`, `${ms(median(word.hub))} / ${ms(percentile(word.hub, 95))}`, `${ms(median(word.naive))} / ${ms(percentile(word.naive, 95))}`, ratio(percentile(word.naive, 95), percentile(word.hub, 95))],
      [n, `scroll to the ${r.scroll.seen.toLocaleString('en')}th call (${r.scroll.pages} pages of 200)`, ms(r.scroll.ms, 0), ms(r.naiveScroll), ratio(r.naiveScroll, r.scroll.ms, 2)],
      [n, 'import (5,000 calls per importHistory)', `${Math.round(r.seed.perSecond).toLocaleString('en')} calls/s`, '—', ''],
      [n, 'hub JS heap after all of the above (forced GC) vs the records the naive history holds', mb(r.hubHeap), mb(r.naiveHeap), ratio(r.naiveHeap, r.hubHeap)],
      [n, 'storage used (navigator.storage.estimate)', mb(r.storage.usage), '—', ''],
    );
  }
  const ins = (s) => median(inserts?.[s] ?? []);
  table('History (ms unless stated)', ['calls', 'measure', 'Patchbay (indexed, paged)', 'naive (load all, filter)', 'naive ÷ Patchbay'], rows, [
    `Write-through of a ringing call's record (CallStore.put, ${writeThrough.idle.length} writes 20 ms apart) at ${results.at(-1).size.toLocaleString('en')} calls: p50 / p95 ${ms(median(writeThrough.idle))} / ${ms(percentile(writeThrough.idle, 95))} ms with the hub idle, ${ms(median(writeThrough.busy.times))} / ${ms(percentile(writeThrough.busy.times, 95))} ms while it answered ${writeThrough.busy.queries} word searches back to back.`,
    `Write-through, one record per transaction into a store of 10,000 (2 × 2,000 records): v3 (record + search entry, \`terms\` index) ${Math.round(ins('v3'))} records/s, v2 (record + search entry, \`words\` and \`numbers\` indexes) ${Math.round(ins('v2'))} records/s, v1 (record only) ${Math.round(ins('v1'))} records/s (v3 ${ratio(ins('v1'), ins('v3'), 2)} and v2 ${ratio(ins('v1'), ins('v2'), 2)} the time per record of v1).`,
    'The naive history\'s search runs over records it already holds in memory (its kindest case); its first page includes reading them all.',
    ...results.flatMap((r) => ['number', 'word'].filter((k) => r.search[k].partial.length).map((k) => `${r.size}: ${r.search[k].partial.length} ${k} searches returned a partial page (budget reached; the view asks for the next).`)),
  ]);
  return { writeThrough, results: results.map((r) => ({ ...r, search: Object.fromEntries(Object.entries(r.search).map(([k, v]) => [k, { hub: v.hub, naive: v.naive, texts: v.texts, partial: v.partial }])) })), inserts };
}
