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
 * Runs the load and reads SIPp's account of it. The PBX must not challenge INVITEs
 * (`startPbx({ authInvites: false })`).
 * @param {object} pbx what startPbx() returned
 * @param {{ to?: string, from?: string, rate?: number, calls?: number, talkMs?: number, maxConcurrent?: number }} [options]
 *   `talkMs`: how long an answered caller talks before BYE; `maxConcurrent`: SIPp's `-l` (1: one call at a time)
 * @returns {Promise<{ code: number|null, outcomes: Map<string, 'answered'|'cancelled'|'crossed'>, repeated: string[],
 *   counts: { answered: number, cancelled: number, crossed: number }, stats: Record<string, string>, errors: string, stdout: string }>}
 *   `repeated`: Call-IDs SIPp logged twice; `stats`: the last line of SIPp's `-trace_stat` file by column
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
  return { code: res.code, outcomes, repeated, counts, stats, errors: res.errors, stdout: res.stdout };
}

/**
 * Answers calls in `page` until `stop()`: whenever no call is in progress and one rings, the user
 * presses "a" (the panel's shortcut: answer the call that has rung longest), then waits for the
 * caller to hang up. A caller who gives up as the key is pressed is a crossing, as for a person:
 * whichever reached the PBX first decides. `stop()` resolves with `{ pressed, answered, audio }`: key
 * presses, calls that came up, calls that reached "Audio connected".
 */
export function answerWhileFree(page) {
  let stopped = false;
  const tally = { pressed: 0, answered: 0, audio: 0 };
  // Waiting polls the page every frame: by tag name, which costs the page far less than an ARIA query
  // of the whole panel would.
  const ringing = page.locator('pb-incoming-call').first();
  const inCall = page.locator('pb-active-call').first();
  const loop = (async () => {
    while (!stopped) {
      if (!(await ringing.waitFor({ timeout: 500 }).then(() => true, () => false))) continue;
      await page.keyboard.press('a');
      tally.pressed++;
      if (!(await inCall.waitFor({ timeout: 5000 }).then(() => true, () => false))) continue;
      tally.answered++;
      if (await inCall.getByText('Audio connected').waitFor({ timeout: 10000 }).then(() => true, () => false)) tally.audio++;
      await inCall.waitFor({ state: 'detached', timeout: 30000 }).catch(() => undefined);
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
