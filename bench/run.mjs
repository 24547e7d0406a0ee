// `npm run bench [-- <name>...]`: builds the site, then runs the benchmarks one after the other and
// prints a Markdown table for each (figures for BENCHMARKS.md). Names:
//   load        PBX load: WebSockets, REGISTERs and SIP messages per call for N tabs, vs baseline
//   screen-pop  INVITE leaving Kamailio → incoming-call dialog in each of N tabs, vs baseline
//   fanout      a frame in the hub → every subscriber's callback, 1 vs 20 subscribers
//   bundle      gzipped size of the panel and of the hub
//   cold-start  sign-in, reload and a second tab attaching → "Registered"
//   history     the call history at 10,000 and 100,000 calls vs a load-all-and-filter baseline
//   apps        iframed apps: patch by one → event in the others (1/5/10), patches/s, PBX cost
//   caller      the click on "Call" → the INVITE leaving Kamailio, vs baseline
//   logging     a backlog of 1,000 final calls drained to Gmail (a local stand-in) and a webhook: time,
//               Gmail's quota units a second vs its limit, the panel's long tasks and typing latency
//   contacts    import of 50,000 vCards and of 50,000 Google CSV rows through the panel's file input, and
//               search keystroke → options rendered in the Number combobox at 50,000 vs 100 contacts
//   call-load   600 calls at 10 a second from SIPp to one user in 3 tabs: the history against SIPp's
//               counts, the hub's heap, long tasks per tab, INVITE → ringing in the panel vs single calls
// Everything runs on loopback: Kamailio (test/support/pbx.mjs), static servers, Debian's Chromium.
// BENCH_DIST=<dir> builds into and measures another directory than .tmp/bench-dist.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { launch, startSite } from '../test/support/browser.mjs';
import { runApps } from './apps.mjs';
import { runBundle } from './bundle.mjs';
import { runCaller } from './caller.mjs';
import { runColdStart } from './cold-start.mjs';
import { runContacts } from './contacts.mjs';
import { runFanout } from './fanout.mjs';
import { runHistory } from './history.mjs';
import { runLoad } from './load.mjs';
import { runLogging } from './logging.mjs';
import { DIST, buildDist } from './lib/dist.mjs';
import { baselineSite, instrumentedSite } from './lib/sites.mjs';
import { runTabs } from './tabs.mjs';

const ALL = ['load', 'screen-pop', 'caller', 'fanout', 'bundle', 'cold-start', 'apps', 'history', 'logging', 'contacts', 'call-load'];
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !ALL.includes(a));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${ALL.join(', ')}`);
  process.exit(2);
}
const selected = new Set(asked.length ? asked : ALL);
const started = Date.now();

console.log(`Building the site (vite build --outDir ${DIST})…`);
buildDist();

const kamailio = (() => {
  try {
    const v = execFileSync('kamailio', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
    return /version:\s*(?:kamailio\s+)?(.*)/.exec(v)?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'not found';
  }
})();

const git = (...args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const commit = `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${git('status', '--porcelain', '--', 'src', 'index.html', 'public', 'vite.config.ts') ? ' + uncommitted changes' : ''}`;
const results = { date: new Date().toISOString(), commit, command: `npm run bench${asked.length ? ` -- ${asked.join(' ')}` : ''}` };
// `history` starts a browser of its own (it needs a DevTools port to reach the hub worker), and so does
// `logging` (Google's host names sent to the local stand-in), and `call-load` (a DevTools port, for the hub).
const needsBrowser = [...selected].some((s) => !['bundle', 'history', 'logging', 'call-load'].includes(s));
let browser;
let site;
let baseline;
let instrumented;
try {
  if (needsBrowser) {
    [browser, site, baseline] = await Promise.all([launch(), startSite({ dir: DIST }), baselineSite()]);
  }
  if (selected.has('screen-pop')) instrumented = await instrumentedSite();
  results.machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    chromium: browser ? browser.version() : undefined,
    kamailio,
    loadAverage: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
  console.log(`\n${results.date} · commit ${commit} · ${results.machine.cpus} cores (${results.machine.cpu}) · Node ${process.version}` +
    `${browser ? ` · Chromium ${browser.version()}` : ''} · Kamailio ${kamailio} · load average ${results.machine.loadAverage}`);

  if (selected.has('load') || selected.has('screen-pop')) {
    const pop = selected.has('screen-pop');
    console.log(`\n▶ ${[selected.has('load') && 'load', pop && 'screen-pop'].filter(Boolean).join(' + ')} (N = 1, 5, 10, 20 tabs; Patchbay and baseline)`);
    results.tabs = await runTabs({ browser, site, baseline, instrumented, calls: pop ? 20 : 1, warmup: 1, load: selected.has('load'), pop });
    results.tabs = results.tabs.map(({ kinds, ...r }) => ({ ...r, kinds }));
  }
  if (selected.has('caller')) {
    console.log('\n▶ caller');
    results.caller = await runCaller({ browser, site, baseline });
  }
  if (selected.has('fanout')) {
    console.log('\n▶ fanout');
    results.fanout = await runFanout({ browser });
  }
  if (selected.has('bundle')) {
    console.log('\n▶ bundle');
    results.bundle = await runBundle();
  }
  if (selected.has('cold-start')) {
    console.log('\n▶ cold-start');
    results.coldStart = await runColdStart({ browser, site, baseline });
  }
  if (selected.has('apps')) {
    console.log('\n▶ apps');
    results.apps = await runApps({ browser });
  }
  if (selected.has('history')) {
    console.log('\n▶ history (10,000 and 100,000 calls)');
    results.history = await runHistory();
  }
  if (selected.has('logging')) {
    console.log('\n▶ logging (a backlog of 1,000 final calls)');
    results.logging = await runLogging();
  }
  if (selected.has('contacts')) {
    console.log('\n▶ contacts (50,000 and 100)');
    results.contacts = await runContacts({ browser, site });
  }
  if (selected.has('call-load')) {
    console.log('\n▶ call-load (600 calls at 10 a second)');
    results.callLoad = await runLoad();
  }
} finally {
  await browser?.close();
  await site?.close();
  await baseline?.close();
  await instrumented?.close();
}

mkdirSync('.tmp', { recursive: true });
writeFileSync('.tmp/bench-results.json', JSON.stringify(results, null, 2));
console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s (raw figures: .tmp/bench-results.json).`);
