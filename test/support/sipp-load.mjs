// Call load through the test PBX: SIPp places `calls` calls at `rate` new calls a second to one user
// (sipp-load.xml: each caller rings 1.5 to 5 s and hangs up unless answered), while a tab of the
// panel answers, as a person would, a ringing call whenever it is not on a call. SIPp's own
// per-call log and statistics say how every call ended, to hold the panel's history against.
//
//   const answering = answerWhileFree(page);
//   const load = await sippLoad(pbx, { to: '1001', rate: 10, calls: 600 });
//   const { answered } = await answering.stop();
//   load.outcomes  // Map: SIP Call-ID → 'answered' | 'cancelled' | 'crossed'
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sippCall } from './pbx.mjs';

const SCENARIO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sipp-load.xml');

/**
 * rtpengine's port range for a load run (`startPbx({ rtpPorts })`): some 35 calls ring at once at
 * 10 a second, each holding ports on both sides, more than startPbx's default 100. When rtpengine
 * runs out, Kamailio relays the caller's plain RTP offer and the browser cannot answer it (no DTLS
 * fingerprint: sip.js answers 480).
 */
export function loadRtpPorts(size = 1000) {
  const base = 20000 + size * Math.floor(Math.random() * Math.floor(12000 / size));
  return [base, base + size - 1];
}

/**
 * Runs the load and reads SIPp's account of it. The PBX must not challenge INVITEs and needs room
 * for the media of every ringing call (`startPbx({ authInvites: false, rtpPorts: loadRtpPorts() })`).
 * @param {object} pbx what startPbx() returned
 * @param {{ to?: string, from?: string, rate?: number, calls?: number, talkMs?: number, maxConcurrent?: number }} [options]
 *   `talkMs`: how long an answered caller talks before BYE; `maxConcurrent`: SIPp's `-l` (1: one call at a time)
 * @returns {Promise<{ code: number|null, outcomes: Map<string, 'answered'|'cancelled'|'crossed'>, repeated: string[],
 *   counts: { answered: number, cancelled: number, crossed: number }, stats: Record<string, string>, failures: string[], stdout: string }>}
 *   `repeated`: Call-IDs SIPp logged twice; `stats`: the last line of SIPp's `-trace_stat` file by column;
 *   `failures`: what SIPp's error log says went wrong
 */
export async function sippLoad(pbx, { to = '1001', from = '1010', rate = 10, calls = 600, talkMs = 2000, maxConcurrent = 200 } = {}) {
  const res = await sippCall(pbx, {
    scenario: SCENARIO,
    to,
    from,
    durationMs: talkMs,
    timeoutMs: Math.ceil((calls / rate) * 1000) + 60_000,
    extraArgs: ['-r', String(rate), '-rp', '1000', '-m', String(calls), '-l', String(maxConcurrent), '-trace_logs', '-trace_stat', '-fd', '1'],
  });
  const file = (suffix) => Object.entries(res.files).find(([name]) => name.endsWith(suffix))?.[1] ?? '';
  const outcomes = new Map();
  const repeated = [];
  for (const line of file('_logs.log').split('\n')) {
    const m = /^(\S+) (answered|cancelled|crossed)$/.exec(line.trim());
    if (!m) continue;
    if (outcomes.has(m[1])) repeated.push(m[1]);
    outcomes.set(m[1], m[2]);
  }
  const counts = { answered: 0, cancelled: 0, crossed: 0 };
  for (const outcome of outcomes.values()) counts[outcome]++;
  const rows = file('_.csv').trim().split('\n');
  const header = rows[0]?.split(';') ?? [];
  const last = rows.at(-1)?.split(';') ?? [];
  const stats = Object.fromEntries(header.map((h, i) => [h, last[i]]));
  // SIPp's error log also notes every ring that ran out (the scenario's own CANCEL), every CANCEL
  // answer it could take no route set from, answers that came after a call was over, and its own
  // scheduler running late: what remains went wrong.
  const routine = /receive timeout on message .* jumping to label|Cannot record route set if there is no Contact|Dead call \S+ \(successful\)|Overload warning|^The following events occurred:$/;
  const events = res.errors.split(/(?=\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d+\t)/).map((e) => e.trim()).filter(Boolean);
  const failures = events.filter((e) => !routine.test(e));
  return { code: res.code, outcomes, repeated, counts, stats, failures, stdout: res.stdout };
}

/**
 * Answers calls in `page` until `stop()`: whenever no call is in progress and calls ring, the user
 * clicks Answer on the newest, then waits for the caller to hang up. A caller who gives up as the
 * click lands is a crossing, as for a person: whichever reached the PBX first decides. `stop()`
 * resolves with `{ clicked, answered, audio }`: Answer clicks, calls that came up, calls that reached
 * "Audio connected".
 */
export function answerWhileFree(page) {
  let stopped = false;
  const tally = { clicked: 0, answered: 0, audio: 0 };
  // Polled from here, by tag name, a few times a second: playwright's own waits poll inside the page's
  // animation frames, which would add their cost to the very frames the load test measures.
  const ringing = page.locator('pb-incoming-call');
  const inCall = page.locator('pb-active-call');
  const until = async (check, timeoutMs) => {
    for (const end = Date.now() + timeoutMs; Date.now() < end && !stopped;) {
      if (await check().catch(() => false)) return true;
      await sleep(250);
    }
    return false;
  };
  const loop = (async () => {
    while (!stopped) {
      if (!(await until(async () => (await ringing.count()) > 0, 1000))) continue;
      // The newest call (the longest left to ring), its Answer button clicked where it is: a pointer
      // click waits for the card to hold still, and cards move whenever one above them goes.
      const answered = await ringing.last().getByRole('button', { name: 'Answer' }).dispatchEvent('click', {}, { timeout: 2000 }).then(() => true, () => false);
      if (!answered) continue;
      tally.clicked++;
      if (!(await until(async () => (await inCall.count()) > 0, 5000))) continue;
      tally.answered++;
      if (await until(() => inCall.first().getByText('Audio connected').isVisible(), 10000)) tally.audio++;
      await until(async () => (await inCall.count()) === 0, 30000);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return tally;
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
